package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHistQuantiles(t *testing.T) {
	var h Hist
	for i := 1; i <= 10000; i++ {
		h.Add(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Microsecond}, {0.9, 9000 * time.Microsecond}, {0.99, 9900 * time.Microsecond}, {1, 10000 * time.Microsecond}} {
		got := h.Quantile(tc.q)
		if diff := float64(got-tc.want) / float64(tc.want); diff < -1.0/histSub || diff > 1.0/histSub {
			t.Errorf("Quantile(%v) = %v, want %v within 1/%d", tc.q, got, tc.want, histSub)
		}
	}
	if h.Max() != 10*time.Millisecond || h.Count() != 10000 {
		t.Errorf("Max, Count = %v, %d; want 10ms, 10000", h.Max(), h.Count())
	}
}

func TestHistBuckets(t *testing.T) {
	// Every value falls in a bucket whose middle is within 1/histSub of it, and buckets
	// are in order.
	prev := -1
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		b := bucketOf(v)
		if b < prev || b >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d: out of order or range (prev %d, max %d)", v, b, prev, histBuckets)
		}
		prev = b
		mid := bucketValue(b)
		if d := float64(mid) - float64(v); v > 0 && (d/float64(v) > 1.0/histSub || d/float64(v) < -1.0/histSub) {
			t.Errorf("bucketValue(bucketOf(%d)) = %d: off by more than 1/%d", v, mid, histSub)
		}
	}
}

func TestEnvelopeCode(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
		bad  bool
	}{
		{`{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`, 0, false},
		{`{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"MemberNum":3}`, 0, false},
		{`{"ActionStatus":"FAIL","ErrorInfo":"x","ErrorCode":10007}`, 10007, false},
		{`{"ErrorCode":0,"ActionStatus":"OK"}`, 0, false},
		{`{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0X}`, 0, true},
		{`{"ActionStatus":"FAIL","ErrorCode":0}`, -1, false},
		{`not json`, 0, true},
		{`{}`, 0, true},
	} {
		got, err := EnvelopeCode([]byte(tc.body))
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("EnvelopeCode(%s) = %d, %v; want %d, error %v", tc.body, got, err, tc.want, tc.bad)
		}
	}
}

func TestLoopbackChecks(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80", "http://127.3.4.5:9"} {
		if err := CheckLoopbackURL(ok); err != nil {
			t.Errorf("CheckLoopbackURL(%q): %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://example.com", "https://127.0.0.1:1", "http://0.0.0.0:80", "127.0.0.1:80", "http://[::ffff:10.0.0.1]:80"} {
		if err := CheckLoopbackURL(bad); err == nil {
			t.Errorf("CheckLoopbackURL(%q): nil, want an error", bad)
		}
	}
	for _, ok := range []string{"postgres://u:p@127.0.0.1:5432/db", "host=/var/run/postgresql dbname=x", "postgres://localhost/db"} {
		if err := CheckLoopbackDSN(ok); err != nil {
			t.Errorf("CheckLoopbackDSN(%q): %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"postgres://u:secret@db.example.com/db", "host=127.0.0.1,10.1.1.1 dbname=x"} {
		err := CheckLoopbackDSN(bad)
		if err == nil {
			t.Errorf("CheckLoopbackDSN(%q): nil, want an error", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("CheckLoopbackDSN error shows the password: %v", err)
		}
	}
}

// testWorkload returns a workload of scenario over 3 groups of 150 and a big group of 1000.
func testWorkload(t *testing.T, scenario, band string) *Workload {
	t.Helper()
	d := &Dataset{Prefix: "tb", Groups: []string{"@TGS#1", "@TGS#2", "@TGS#3"}, Members: 150, Big: "@TGS#big", BigMembers: 1000}
	w, err := NewWorkload(scenario, d, []string{"F1", "F2", "F3"}, band, Target{SDKAppID: 1400000000, Admin: "administrator", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestModifyBodies(t *testing.T) {
	w := testWorkload(t, ScenarioModify, ReadAll)
	g := &gen{w: w, rng: rand.New(rand.NewPCG(1, 2))}
	cards := map[string]bool{}
	extras := map[int]int{}
	for range 2000 {
		g.modifyBody()
		var req struct {
			GroupId, Member_Account, NameCard string
			Role, MsgFlag                     *string
			MuteTime                          *int64
			AppMemberDefinedData              []struct{ Key, Value string }
		}
		if err := json.Unmarshal(g.body, &req); err != nil {
			t.Fatalf("body %s: %v", g.body, err)
		}
		if req.NameCard == "" || cards[req.NameCard] || len(req.NameCard) > 50 {
			t.Fatalf("NameCard %q: empty, repeated or over 50 bytes", req.NameCard)
		}
		cards[req.NameCard] = true
		n := 0
		for _, set := range []bool{req.Role != nil, req.MsgFlag != nil, req.MuteTime != nil, req.AppMemberDefinedData != nil} {
			if set {
				n++
			}
		}
		extras[n]++
		if !strings.HasPrefix(req.GroupId, "@TGS#") || !strings.HasPrefix(req.Member_Account, "tb") {
			t.Fatalf("body %s: group or account out of the data set", g.body)
		}
	}
	for n := range 4 {
		if extras[n] == 0 {
			t.Errorf("no body with %d fields besides NameCard in 2000: %v", n, extras)
		}
	}
}

func TestReadBands(t *testing.T) {
	for _, tc := range []struct {
		band      string
		wantBand  int
		minOffset int
		maxOffset int
	}{
		{ReadGroups, bandRead, 0, 50},
		{ReadBig0, bandBig0, 0, 0},
		{ReadBigMid, bandBigMid, 400, 500},
		{ReadBigDeep, bandBigDeep, 900, 900},
	} {
		g := &gen{w: testWorkload(t, ScenarioRead, tc.band), rng: rand.New(rand.NewPCG(1, 2))}
		for range 200 {
			band := g.readBody()
			var req struct {
				GroupId       string
				Limit, Offset int
			}
			if err := json.Unmarshal(g.body, &req); err != nil {
				t.Fatalf("body %s: %v", g.body, err)
			}
			if band != tc.wantBand || req.Limit != PageLimit || req.Offset < tc.minOffset || req.Offset > tc.maxOffset {
				t.Fatalf("%s: band %d, body %s; want band %d, Limit %d, Offset %d to %d", tc.band, band, g.body, tc.wantBand, PageLimit, tc.minOffset, tc.maxOffset)
			}
		}
	}
}

// TestDriveCeiling drives the ceiling handler briefly, closed and open loop.
func TestDriveCeiling(t *testing.T) {
	srv := httptest.NewServer(CeilingHandler(nil))
	defer srv.Close()
	w := testWorkload(t, ScenarioAuth, ReadAll)
	c, err := NewCaller(Target{Base: srv.URL, SDKAppID: 1400000000, Admin: "administrator", Key: "k"}, NewHTTPClient(4, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []Load{
		{Concurrency: 4, Duration: 200 * time.Millisecond, Warmup: 50 * time.Millisecond},
		{Rate: 500, Duration: 200 * time.Millisecond},
	} {
		var started, ended bool
		win, err := Drive(context.Background(), l, len(BandNames()), w.NewOp(c), Hooks{Start: func() { started = true }, End: func() { ended = true }})
		if err != nil {
			t.Fatal(err)
		}
		p := NewPhase("ceiling", "test", win, BandNames(), nil, 0)
		if p.Requests == 0 || p.OK != p.Requests || !started || !ended {
			t.Errorf("load %+v: %d requests, %d OK, hooks %v %v; want some, all OK, both hooks", l, p.Requests, p.OK, started, ended)
		}
		if l.Rate > 0 && (p.Requests < 80 || p.Requests > 101) {
			t.Errorf("rate 500/s for 200ms: %d requests, want about 100", p.Requests)
		}
	}
	var out bytes.Buffer
	(&Report{Scenario: "auth"}).WriteText(&out)
	if !strings.Contains(out.String(), "scenario auth") {
		t.Errorf("report: %s", out.String())
	}
}

// TestCeilingReadAnswer checks that the ceiling answers reads with the answer it was
// given, and every other call with the OK envelope.
func TestCeilingReadAnswer(t *testing.T) {
	answer := []byte(okPrefix + `,"MemberNum":2,"MemberList":[{"Member_Account":"a"},{"Member_Account":"b"}]}`)
	srv := httptest.NewServer(CeilingHandler(answer))
	defer srv.Close()
	c, err := NewCaller(Target{Base: srv.URL, SDKAppID: 1400000000, Admin: "administrator", Key: "k"}, NewHTTPClient(1, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ cmd, want string }{
		{cmdRead, string(answer)},
		{cmdModify, okEnvelope},
		{cmdSend, okEnvelope},
	} {
		var buf bytes.Buffer
		if o := c.Do(context.Background(), Request{Command: tc.cmd, Body: []byte(`{}`)}, &buf); o.Fail != "" || o.Code != 0 {
			t.Fatalf("%s: %+v", tc.cmd, o)
		}
		if got := buf.String(); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.cmd, got, tc.want)
		}
	}
	w := testWorkload(t, ScenarioRead, ReadGroups)
	got, err := w.SampleReadAnswer(context.Background(), c)
	if err != nil || !bytes.Equal(got, answer) {
		t.Errorf("SampleReadAnswer: got %s, %v; want %s", got, err, answer)
	}
	if got, err := testWorkload(t, ScenarioModify, ReadAll).SampleReadAnswer(context.Background(), c); got != nil || err != nil {
		t.Errorf("SampleReadAnswer of modify: got %s, %v; want nil, nil", got, err)
	}
}

func TestSendBodies(t *testing.T) {
	w := testWorkload(t, ScenarioSend, ReadAll)
	if err := w.SetSendGroups(1); err != nil {
		t.Fatal(err)
	}
	if err := w.SetSendGroups(4); err == nil {
		t.Error("SetSendGroups(4) of 3 groups: no error")
	}
	g := &gen{w: w, rng: rand.New(rand.NewPCG(1, 2))}
	randoms := map[uint32]bool{}
	for range 2000 {
		g.sendBody()
		var req struct {
			GroupId, From_Account string
			Random                *uint32
			MsgBody               []struct {
				MsgType    string
				MsgContent struct{ Text string }
			}
		}
		if err := json.Unmarshal(g.body, &req); err != nil {
			t.Fatalf("body %s: %v", g.body, err)
		}
		if req.GroupId != "@TGS#1" || req.Random == nil || randoms[*req.Random] {
			t.Fatalf("body %s: not to the one busy group, or its Random is missing or repeated", g.body)
		}
		randoms[*req.Random] = true
		// Senders are the second half of the group: the baseline modifies the first.
		n, err := strconv.Atoi(strings.TrimPrefix(req.From_Account, "tb"))
		if err != nil || n < 75 || n >= 150 {
			t.Fatalf("From_Account %q: want tb75 to tb149", req.From_Account)
		}
		if len(req.MsgBody) != 1 || req.MsgBody[0].MsgType != "TIMTextElem" || len(req.MsgBody[0].MsgContent.Text) != TextBytes {
			t.Fatalf("body %s: want one TIMTextElem of %d bytes", g.body, TextBytes)
		}
	}
	base := w.Base()
	if base == nil || base.Name() != ScenarioModify {
		t.Fatalf("send's baseline: %v, want modify", base)
	}
	bg := &gen{w: base, rng: rand.New(rand.NewPCG(1, 2))}
	for range 500 {
		bg.modifyBody()
		var req struct{ GroupId, Member_Account string }
		if err := json.Unmarshal(bg.body, &req); err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(strings.TrimPrefix(req.Member_Account, "tb")); n%150 >= 75 {
			t.Fatalf("baseline modifies %s, a sender (second half of its group)", req.Member_Account)
		}
	}
}

func TestHistoryBodies(t *testing.T) {
	d := &Dataset{Prefix: "tb", Groups: []string{"@TGS#1"}, Members: 10, History: "@TGS#h", HistoryMessages: 1000, HistoryTop: 1003}
	w, err := NewWorkload(ScenarioHistory, d, nil, ReadAll, Target{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		w        *Workload
		name     string
		band     int
		min, max int64
	}{{w, ScenarioHistory, bandHistoryAny, HistoryPage, 1003}, {w.Base(), HistoryNewest, bandHistoryNewest, 0, 0}} {
		if tc.w.Name() != tc.name {
			t.Errorf("phase name %q, want %q", tc.w.Name(), tc.name)
		}
		g := &gen{w: tc.w, rng: rand.New(rand.NewPCG(1, 2))}
		for range 500 {
			band := g.historyBody()
			var req struct {
				GroupId      string
				ReqMsgNumber int
				ReqMsgSeq    int64
			}
			if err := json.Unmarshal(g.body, &req); err != nil {
				t.Fatal(err)
			}
			if band != tc.band || req.GroupId != "@TGS#h" || req.ReqMsgNumber != HistoryPage || req.ReqMsgSeq < tc.min || req.ReqMsgSeq > tc.max {
				t.Fatalf("%s: band %d, body %s", tc.name, band, g.body)
			}
		}
	}
	if _, err := NewWorkload(ScenarioHistory, &Dataset{Groups: []string{"g"}, Members: 1}, nil, ReadAll, Target{}); err == nil {
		t.Error("history without a history group: no error")
	}
}

func TestCheckAnswer(t *testing.T) {
	page := func(n, finished int) string {
		s := `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"GroupId":"g","IsFinished":` + strconv.Itoa(finished) + `,"RspMsgList":[`
		for i := range n {
			if i > 0 {
				s += ","
			}
			s += `{"From_Account":"a","MsgSeq":` + strconv.Itoa(i+1) + `}`
		}
		return s + "]}"
	}
	for _, tc := range []struct {
		band int
		body string
		fail string
	}{
		{bandSend, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"MsgTime":1,"MsgSeq":7,"MsgDropReason":""}`, ""},
		{bandSend, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"MsgTime":1,"MsgSeq":0,"MsgDropReason":"MsgFreqCtrl"}`, FailDropped},
		{bandSend, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"MsgTime":1,"MsgSeq":0,"MsgDropReason":""}`, FailNoSeq},
		{bandSend, okEnvelope, FailDropped},
		{bandHistoryAny, page(HistoryPage, 1), ""},
		{bandHistoryNewest, page(HistoryPage-1, 1), FailShortPage},
		{bandHistoryAny, page(HistoryPage, 2), FailShortPage},
		{bandModify, okEnvelope, ""},
	} {
		if got := checkAnswer(tc.band, []byte(tc.body)); got.Fail != tc.fail {
			t.Errorf("checkAnswer(%d, %s) = %q, want %q", tc.band, tc.body, got.Fail, tc.fail)
		}
	}
}

func TestBaseRatios(t *testing.T) {
	cpu := func(v float64) *float64 { return &v }
	r := &Report{Scenario: ScenarioSend, Base: ScenarioModify}
	for _, rates := range [][3]float64{{10000, 1000, 1200}, {10000, 1000, 900}, {10000, 1000, 1100}} {
		run := Run{Phases: []*Phase{
			{Name: "ceiling", ReqPerSec: rates[0]},
			{Name: ScenarioModify, ReqPerSec: rates[1], CPUPerRequestUS: cpu(100)},
			{Name: ScenarioSend, ReqPerSec: rates[2], CPUPerRequestUS: cpu(50)},
		}}
		run.SetRatios(r.Scenario, r.Base)
		r.Runs = append(r.Runs, run)
	}
	r.SetMedians()
	m := r.Median
	if m == nil || *m.RatioToBase != 1.1 || *m.CostToBase != 0.5 || *m.BaseToCeiling != 0.1 || *m.RatioToCeiling != 0.11 {
		t.Fatalf("medians %+v: want send/modify 1.1, cost 0.5, modify/ceiling 0.1, send/ceiling 0.11", m)
	}
	var out bytes.Buffer
	r.WriteText(&out)
	for _, want := range []string{"median send / modify over 3 runs: 1.100 in req/s, 0.500 in CPU µs/req", "median modify / ceiling over 3 runs: 0.100", "cost vs base"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report has no %q:\n%s", want, out.String())
		}
	}
}

package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/usersig"
)

// benchServer is a timd assembled in process, called through its http.Handler without
// a network: the cost of one command from auth to durable write, and nothing of TCP.
type benchServer struct {
	h     http.Handler
	query string // the admin's query, with a UserSig the server caches after first use
}

// newBenchServer starts timd on SQLite in a temporary directory, with rate limits off,
// the per-group send rate off, custom member fields F1 to F3 and no member limit on
// Public groups.
func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	app := &cfg.Apps[0]
	app.SecretKey = "0123456789abcdef0123456789abcdef"
	app.MemberFields = []string{"F1", "F2", "F3"}
	app.RateLimits = config.RateLimits{}
	app.Messages.SendRate = 0
	app.Limits.MaxMembers[im.TypePublic] = 0
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(context.Background(), cfg, server.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	sig := usersig.Mint(app.SDKAppID, app.Admins[0], app.SecretKey, 86400, time.Now())
	q := fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", app.SDKAppID, app.Admins[0], sig)
	return &benchServer{h: srv.Handler(), query: q}
}

// call serves one command and returns the answer; it reports an answer other than OK.
func (s *benchServer) call(tb testing.TB, command, body string) string {
	req := httptest.NewRequest(http.MethodPost, "/v4/"+command+"?"+s.query, strings.NewReader(body))
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	out := rec.Body.String()
	if !strings.HasPrefix(out, `{"ActionStatus":"OK"`) {
		tb.Errorf("%s: %s", command, out)
	}
	return out
}

// group imports members accounts m0, m1, ... and creates a Public group of them.
func (s *benchServer) group(b *testing.B, members int) string {
	b.Helper()
	list := func(from, to int, format string) string {
		items := make([]string, 0, to-from)
		for i := from; i < to; i++ {
			items = append(items, fmt.Sprintf(format, i))
		}
		return strings.Join(items, ",")
	}
	for i := 0; i < members; i += 100 {
		s.call(b, "im_open_login_svc/multiaccount_import", `{"Accounts":[`+list(i, min(i+100, members), `"m%d"`)+`]}`)
	}
	out := s.call(b, "group_open_http_svc/create_group",
		`{"Type":"Public","Name":"bench","MemberList":[`+list(0, min(500, members), `{"Member_Account":"m%d"}`)+`]}`)
	_, rest, _ := strings.Cut(out, `"GroupId":"`)
	id, _, _ := strings.Cut(rest, `"`)
	for i := 500; i < members; i += 300 {
		s.call(b, "group_open_http_svc/add_group_member",
			`{"GroupId":"`+id+`","Silence":1,"MemberList":[`+list(i, min(i+300, members), `{"Member_Account":"m%d"}`)+`]}`)
	}
	return id
}

// BenchmarkModify measures modify_group_member_info through the handler, from many
// goroutines (parallelism 16 per GOMAXPROCS, so group commit can batch), each write with
// a unique NameCard so it changes its row.
func BenchmarkModify(b *testing.B) {
	s := newBenchServer(b)
	const members = 1000
	g := s.group(b, members)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			s.call(b, "group_open_http_svc/modify_group_member_info",
				fmt.Sprintf(`{"GroupId":%q,"Member_Account":"m%d","NameCard":"card %d","Role":"Admin"}`, g, i%members, i))
		}
	})
}

// BenchmarkGetMembers measures get_group_member_info of 100 members through the
// handler, at Offset 0, in the middle and at the end of a 20000-member group.
func BenchmarkGetMembers(b *testing.B) {
	s := newBenchServer(b)
	const members = 20000
	g := s.group(b, members)
	for _, offset := range []int{0, members / 2, members - 100} {
		b.Run(fmt.Sprintf("offset=%d", offset), func(b *testing.B) {
			body := fmt.Sprintf(`{"GroupId":%q,"Limit":100,"Offset":%d}`, g, offset)
			b.ReportAllocs()
			for b.Loop() {
				s.call(b, "group_open_http_svc/get_group_member_info", body)
			}
		})
	}
}

// benchText is the 100-byte Text of the messages the message benchmarks send.
const benchText = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e"

// BenchmarkSendMessage measures durable send_group_msg of a 100-byte TIMTextElem through
// the handler, as BenchmarkModify measures modify_group_member_info: one group of 1000
// members, from many goroutines (parallelism 16 per GOMAXPROCS), each send from a member
// at random with a unique Random, so none is taken for a retry. Its goal is to be at
// least as fast as BenchmarkModify; every answer must carry a MsgSeq and no
// MsgDropReason.
func BenchmarkSendMessage(b *testing.B) {
	s := newBenchServer(b)
	const members = 1000
	g := s.group(b, members)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			out := s.call(b, "group_open_http_svc/send_group_msg",
				fmt.Sprintf(`{"GroupId":%q,"From_Account":"m%d","Random":%d,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":%q}}]}`,
					g, i%members, i, benchText))
			if !strings.Contains(out, `"MsgDropReason":""`) || strings.Contains(out, `"MsgSeq":0`) {
				b.Errorf("send_group_msg stored nothing: %s", out)
			}
		}
	})
}

// BenchmarkSendTopicMessage is BenchmarkSendMessage into a topic of a Community of 1000
// members: a topic's stream is kept like a group's, so a send into it should cost what a
// send into a group costs (one more row read: the topic's NextMsgSeq).
func BenchmarkSendTopicMessage(b *testing.B) {
	s := newBenchServer(b)
	const members = 1000
	g := "@TGS#_bench"
	for i := 0; i < members; i += 100 {
		items := make([]string, 0, 100)
		for j := i; j < i+100; j++ {
			items = append(items, fmt.Sprintf(`"m%d"`, j))
		}
		s.call(b, "im_open_login_svc/multiaccount_import", `{"Accounts":[`+strings.Join(items, ",")+`]}`)
	}
	s.call(b, "group_open_http_svc/create_group", `{"GroupId":"@TGS#_bench","Type":"Community","Name":"bench","SupportTopic":1}`)
	for i := 0; i < members; i += 300 {
		items := make([]string, 0, 300)
		for j := i; j < min(i+300, members); j++ {
			items = append(items, fmt.Sprintf(`{"Member_Account":"m%d"}`, j))
		}
		s.call(b, "group_open_http_svc/add_group_member", `{"GroupId":"@TGS#_bench","Silence":1,"MemberList":[`+strings.Join(items, ",")+`]}`)
	}
	topic := g + "@TOPIC#_t"
	s.call(b, "million_group_open_http_svc/create_topic", `{"GroupId":"@TGS#_bench","TopicId":"`+topic+`","TopicName":"t"}`)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			out := s.call(b, "group_open_http_svc/send_group_msg",
				fmt.Sprintf(`{"GroupId":%q,"TopicId":%q,"From_Account":"m%d","Random":%d,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":%q}}]}`,
					g, topic, i%members, i, benchText))
			if !strings.Contains(out, `"MsgDropReason":""`) || strings.Contains(out, `"MsgSeq":0`) {
				b.Errorf("send_group_msg stored nothing: %s", out)
			}
		}
	})
}

// BenchmarkGroupHistory measures group_msg_get_simple pages of 20 through the handler,
// from a group of 50,000 imported messages: the newest page (no ReqMsgSeq), one in the
// middle and the oldest. Its goal is that any page costs at most twice the newest.
func BenchmarkGroupHistory(b *testing.B) {
	s := newBenchServer(b)
	const messages = 50000
	g := s.history(b, messages)
	// Let the background checkpoint copy the import's WAL into the database first, or it
	// runs during the first sub-benchmark.
	time.Sleep(3 * time.Second)
	for _, page := range []struct {
		name string
		seq  string
	}{{"newest", ""}, {"middle", fmt.Sprintf(`,"ReqMsgSeq":%d`, messages/2)}, {"oldest", `,"ReqMsgSeq":20`}} {
		b.Run(page.name, func(b *testing.B) {
			body := fmt.Sprintf(`{"GroupId":%q,"ReqMsgNumber":20%s}`, g, page.seq)
			b.ReportAllocs()
			for b.Loop() {
				if out := s.call(b, "group_open_http_svc/group_msg_get_simple", body); !strings.Contains(out, `"IsFinished":1`) {
					b.Fatalf("not a full page: %s", out)
				}
			}
		})
	}
}

// history imports a Public group created a day ago and n messages of 100-byte texts
// from 100 accounts, 7 per import_group_msg, all at one SendTime so the calls may run
// in parallel; it returns the group's ID.
func (s *benchServer) history(b *testing.B, n int) string {
	b.Helper()
	var accounts []string
	for i := range 100 {
		accounts = append(accounts, fmt.Sprintf(`"h%d"`, i))
	}
	s.call(b, "im_open_login_svc/multiaccount_import", `{"Accounts":[`+strings.Join(accounts, ",")+`]}`)
	out := s.call(b, "group_open_http_svc/import_group",
		fmt.Sprintf(`{"Type":"Public","Name":"history","CreateTime":%d}`, time.Now().Unix()-86400))
	_, rest, _ := strings.Cut(out, `"GroupId":"`)
	id, _, _ := strings.Cut(rest, `"`)
	sendTime := time.Now().Unix() - 3600
	calls := make(chan int)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for c := range calls {
				var list []string
				for i := c * 7; i < min(c*7+7, n); i++ {
					list = append(list, fmt.Sprintf(`{"From_Account":"h%d","SendTime":%d,"Random":%d,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":%q}}]}`,
						i%100, sendTime, i, benchText))
				}
				s.call(b, "group_open_http_svc/import_group_msg", fmt.Sprintf(`{"GroupId":%q,"MsgList":[%s]}`, id, strings.Join(list, ",")))
			}
		})
	}
	for c := range (n + 6) / 7 {
		calls <- c
	}
	close(calls)
	wg.Wait()
	return id
}

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/timdhq/timd/internal/usersig"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"
)

// Scenarios a Workload can run.
const (
	ScenarioModify  = "modify"  // modify_group_member_info, random field mix
	ScenarioRead    = "read"    // get_group_member_info pages
	ScenarioMixed   = "mixed"   // 80 % modify, 20 % read
	ScenarioAuth    = "auth"    // modify, every request with a new UserSig
	ScenarioCeiling = "ceiling" // the ceiling alone, with modify bodies
	ScenarioSend    = "send"    // send_group_msg of a 100-byte text; modify is its baseline
	ScenarioHistory = "history" // group_msg_get_simple at any ReqMsgSeq; the newest page is its baseline
)

// HistoryNewest is the name of the history scenario's baseline phase: pages of the newest
// messages, without ReqMsgSeq.
const HistoryNewest = "history-newest"

// Read bands: which pages the read requests ask for.
const (
	ReadAll     = "all"     // normal groups half the time, else the big group's bands in turn
	ReadGroups  = "groups"  // random pages of the normal groups
	ReadBig0    = "big0"    // Offset 0 of the big group
	ReadBigMid  = "bigmid"  // Offsets around the middle of the big group
	ReadBigDeep = "bigdeep" // Offsets in the last tenth of the big group
)

// Band indexes of every workload; Bands names them.
const (
	bandModify = iota
	bandRead
	bandBig0
	bandBigMid
	bandBigDeep
	bandSend
	bandHistoryNewest
	bandHistoryAny
)

// BandNames returns the names of the bands of every Workload, by index.
func BandNames() []string {
	return []string{"modify", "read groups", "read big@0", "read big@mid", "read big@deep", "send", "history newest", "history any"}
}

// PageLimit is the Limit of every get_group_member_info.
const PageLimit = 100

// HistoryPage is the ReqMsgNumber of every group_msg_get_simple: Tencent's maximum.
const HistoryPage = 20

// TextBytes is the length of the Text of every message the send scenario sends.
const TextBytes = 100

// Commands the workloads send.
const (
	cmdModify  = "group_open_http_svc/modify_group_member_info"
	cmdRead    = "group_open_http_svc/get_group_member_info"
	cmdSend    = "group_open_http_svc/send_group_msg"
	cmdHistory = "group_open_http_svc/group_msg_get_simple"
)

// Workload makes the requests of a scenario over a Dataset.
type Workload struct {
	scenario string
	data     *Dataset
	fields   []string // member custom-field keys to write
	readBand string
	target   Target   // for the auth scenario's signatures
	groups   [][]byte // the normal groups' IDs as JSON strings
	big      []byte   // the big group's ID as a JSON string
	history  []byte   // the history group's ID as a JSON string
	run      string   // this run's prefix of every NameCard and message text
	// sendGroups is the number of groups, from the first, that send writes to.
	sendGroups int
	// Members from to from+span-1 of a group are those modify changes and send sends
	// from: the send scenario splits them, so that no sender is one its baseline has
	// muted (a muted member's send is refused with 10017).
	from, span int
	// newest makes history ask for the newest page (the history scenario's baseline).
	newest bool
	// random is the first Random of this run's sends; seq counts the requests of the
	// run, shared with the baseline's workload, so NameCards and Randoms never repeat.
	random uint32
	seq    *atomic.Uint64
}

// NewWorkload returns the workload of scenario over d. fields are the member custom
// fields the app defines (modify writes them); readBand is one of the Read constants; t
// signs the auth scenario's requests.
func NewWorkload(scenario string, d *Dataset, fields []string, readBand string, t Target) (*Workload, error) {
	switch scenario {
	case ScenarioModify, ScenarioRead, ScenarioMixed, ScenarioAuth, ScenarioCeiling:
	case ScenarioSend:
		if d.Members < 2 {
			return nil, errors.New("scenario send needs groups of at least 2 members: half of them send, the other half are modified")
		}
	case ScenarioHistory:
		if d.History == "" || d.HistoryTop < HistoryPage {
			return nil, fmt.Errorf("scenario history needs a history group of at least %d messages", HistoryPage)
		}
	default:
		return nil, fmt.Errorf("scenario %q: want modify, read, mixed, auth, ceiling, send or history", scenario)
	}
	switch readBand {
	case ReadAll, ReadGroups:
	case ReadBig0, ReadBigMid, ReadBigDeep:
		if d.Big == "" {
			return nil, fmt.Errorf("read band %q needs a big group (-big-members)", readBand)
		}
	default:
		return nil, fmt.Errorf("read band %q: want all, groups, big0, bigmid or bigdeep", readBand)
	}
	w := &Workload{scenario: scenario, data: d, fields: fields, readBand: readBand, target: t,
		run: strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36), sendGroups: len(d.Groups),
		span: d.Members, random: rand.Uint32(), seq: new(atomic.Uint64)}
	if scenario == ScenarioSend {
		w.from, w.span = d.Members/2, d.Members-d.Members/2 // Base modifies the first half
	}
	for _, g := range d.Groups {
		q, _ := json.Marshal(g) // a string always marshals
		w.groups = append(w.groups, q)
	}
	if d.Big != "" {
		w.big, _ = json.Marshal(d.Big)
	}
	if d.History != "" {
		w.history, _ = json.Marshal(d.History)
	}
	return w, nil
}

// Scenario returns the workload's scenario.
func (w *Workload) Scenario() string { return w.scenario }

// Name returns the name of the workload's phase: its scenario, or HistoryNewest.
func (w *Workload) Name() string {
	if w.newest {
		return HistoryNewest
	}
	return w.scenario
}

// SetSendGroups makes send write to the first n groups only: 1 for one busy group.
func (w *Workload) SetSendGroups(n int) error {
	if n < 1 || n > len(w.groups) {
		return fmt.Errorf("send to %d groups: want 1 to %d, the groups of the data set", n, len(w.groups))
	}
	w.sendGroups = n
	return nil
}

// Base returns the workload of the scenario's baseline, a phase run against timd in
// every round next to the scenario's own, so the two compare in one run: modify on the
// same groups for send (goal: a send at least as fast as a modify), the newest page of
// the same group for history (goal: any page at most twice its cost). It returns nil for
// the other scenarios.
func (w *Workload) Base() *Workload {
	b := &Workload{data: w.data, fields: w.fields, readBand: w.readBand, target: w.target, groups: w.groups,
		big: w.big, history: w.history, run: w.run, sendGroups: w.sendGroups, span: w.data.Members,
		random: w.random, seq: w.seq}
	switch w.scenario {
	case ScenarioSend:
		b.scenario, b.span = ScenarioModify, w.from
	case ScenarioHistory:
		b.scenario, b.newest = ScenarioHistory, true
	default:
		return nil
	}
	return b
}

// NewOp returns a function making the Ops of worker i, which send through c to timd and
// check what a send and a history page answer (see checkAnswer).
func (w *Workload) NewOp(c *Caller) func(worker int) Op {
	return w.newOp(c, true)
}

// NewCeilingOp is NewOp for the ceiling server, whose answers are only the envelope.
func (w *Workload) NewCeilingOp(c *Caller) func(worker int) Op {
	return w.newOp(c, false)
}

func (w *Workload) newOp(c *Caller, check bool) func(worker int) Op {
	return func(worker int) Op {
		g := &gen{w: w, c: c, check: check, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(worker)))}
		return g.op
	}
}

// SampleReadAnswer sends one read of the workload to timd through c and returns its
// answer, the bytes the ceiling server then answers to every read (CeilingHandler): one
// page of PageLimit members of a random group of the read band, encoded by timd. It
// returns nil for a scenario that sends no reads.
func (w *Workload) SampleReadAnswer(ctx context.Context, c *Caller) ([]byte, error) {
	if w.scenario != ScenarioRead && w.scenario != ScenarioMixed {
		return nil, nil
	}
	g := &gen{w: w, c: c, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))}
	g.readBody()
	o := c.Do(ctx, Request{Command: cmdRead, Body: g.body, Random: g.rng.Uint32()}, &g.buf)
	if o.Fail != "" {
		return nil, fmt.Errorf("sample read %s: %s: %s", g.body, o.Fail, o.Detail)
	}
	if o.Code != 0 {
		return nil, fmt.Errorf("sample read %s: ErrorCode %d: %s", g.body, o.Code, snippet(g.buf.Bytes()))
	}
	return bytes.Clone(g.buf.Bytes()), nil
}

// gen is one worker's request maker.
type gen struct {
	w     *Workload
	c     *Caller
	check bool
	rng   *rand.Rand
	body  []byte
	buf   bytes.Buffer
}

// op makes and sends one request.
func (g *gen) op(ctx context.Context) Outcome {
	req := Request{Random: g.rng.Uint32()}
	var band int
	switch {
	case g.w.scenario == ScenarioSend:
		req.Command, band = cmdSend, bandSend
		g.sendBody()
	case g.w.scenario == ScenarioHistory:
		req.Command, band = cmdHistory, g.historyBody()
	case g.w.scenario == ScenarioRead, g.w.scenario == ScenarioMixed && g.rng.IntN(5) == 0:
		req.Command, band = cmdRead, g.readBody()
	default:
		req.Command, band = cmdModify, bandModify
		g.modifyBody()
	}
	if g.w.scenario == ScenarioAuth {
		// A different expiry makes a different signature, so no cache can answer it.
		t := g.w.target
		expire := 86400 + int64(g.w.seq.Add(1))
		req.Query = g.c.Query(usersig.Mint(t.SDKAppID, t.Admin, t.Key, expire, time.Now()))
	}
	req.Body = g.body
	o := g.c.Do(ctx, req, &g.buf)
	if g.check && o.Fail == "" && o.Code == 0 {
		o = checkAnswer(band, g.buf.Bytes())
	}
	o.Band = band
	return o
}

// Failure classes of OK answers that did not do the intended work.
const (
	FailDropped   = "send: MsgDropReason not empty"
	FailNoSeq     = "send: no MsgSeq"
	FailShortPage = "history: not a full page"
)

// checkAnswer checks an OK answer of band: a send must be stored (a MsgSeq, no
// MsgDropReason), a history page must hold HistoryPage messages and say IsFinished 1.
// Other answers pass. A failed check is an Outcome with a Fail class and the answer.
func checkAnswer(band int, body []byte) Outcome {
	switch band {
	case bandSend:
		if v, ok := jsonField(body, "MsgDropReason"); !ok || string(v) != `""` {
			return Outcome{Fail: FailDropped, Detail: snippet(body)}
		}
		if v, ok := jsonField(body, "MsgSeq"); !ok || len(v) == 0 || v[0] < '1' || v[0] > '9' {
			return Outcome{Fail: FailNoSeq, Detail: snippet(body)}
		}
	case bandHistoryNewest, bandHistoryAny:
		if v, ok := jsonField(body, "IsFinished"); !ok || string(v) != "1" ||
			bytes.Count(body, []byte(`"MsgSeq":`)) != HistoryPage {
			return Outcome{Fail: FailShortPage, Detail: snippet(body)}
		}
	}
	return Outcome{}
}

// jsonField returns the raw scalar value of the first "key": in body, up to the next ,
// or }; a string value must hold no comma. It is a scan for timd's compact answers, not
// a parser.
func jsonField(body []byte, key string) ([]byte, bool) {
	_, rest, ok := bytes.Cut(body, []byte(`"`+key+`":`))
	if !ok {
		return nil, false
	}
	if i := bytes.IndexAny(rest, ",}"); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}

// appendMember appends the JSON of account j of normal group i.
func (g *gen) appendMember(b []byte, i, j int) []byte {
	b = append(b, '"')
	b = append(b, g.w.data.Prefix...)
	b = strconv.AppendInt(b, int64(i*g.w.data.Members+j), 10)
	return append(b, '"')
}

// Field kinds a modify may change besides its NameCard.
const (
	kindRole = iota
	kindMsgFlag
	kindMute
	kindAppData
	kinds
)

var msgFlags = []string{"AcceptAndNotify", "AcceptNotNotify", "Discard", "AcceptNotNotifyExceptAt"}

// modifyBody makes a modify_group_member_info body for a random member of a random
// normal group: always a NameCard unique in this run, so every write changes the row,
// and 0 to 3 more fields (35 %, 40 %, 20 %, 5 %).
func (g *gen) modifyBody() {
	i, j := g.rng.IntN(len(g.w.groups)), g.w.from+g.rng.IntN(g.w.span)
	b := append(g.body[:0], `{"GroupId":`...)
	b = append(b, g.w.groups[i]...)
	b = append(b, `,"Member_Account":`...)
	b = g.appendMember(b, i, j)
	b = append(b, `,"NameCard":"`...)
	b = append(b, g.w.run...)
	b = append(b, '-')
	b = strconv.AppendUint(b, g.w.seq.Add(1), 36)
	b = append(b, '"')
	avail := kinds
	if len(g.w.fields) == 0 {
		avail = kindAppData
	}
	extra := [...]int{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3}[g.rng.IntN(20)]
	for _, k := range g.rng.Perm(avail)[:min(extra, avail)] {
		b = g.appendField(b, k)
	}
	g.body = append(b, '}')
}

// appendField appends one changed field of kind k.
func (g *gen) appendField(b []byte, k int) []byte {
	switch k {
	case kindRole:
		if g.rng.IntN(2) == 0 {
			return append(b, `,"Role":"Admin"`...)
		}
		return append(b, `,"Role":"Member"`...)
	case kindMsgFlag:
		b = append(b, `,"MsgFlag":"`...)
		b = append(b, msgFlags[g.rng.IntN(len(msgFlags))]...)
		return append(b, '"')
	case kindMute:
		b = append(b, `,"MuteTime":`...)
		if g.rng.IntN(3) == 0 {
			return append(b, '0') // unmute
		}
		return strconv.AppendInt(b, 60+g.rng.Int64N(86400), 10)
	}
	b = append(b, `,"AppMemberDefinedData":[`...)
	n := 1 + g.rng.IntN(len(g.w.fields))
	for x, f := range g.rng.Perm(len(g.w.fields))[:n] {
		if x > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Key":"`...)
		b = append(b, g.w.fields[f]...)
		b = append(b, `","Value":"v`...)
		b = strconv.AppendUint(b, g.rng.Uint64()%1e9, 10)
		b = append(b, `"}`...)
	}
	return append(b, ']')
}

// readBody makes a get_group_member_info body of one page and returns its band.
func (g *gen) readBody() int {
	band := g.readBandOf()
	b := append(g.body[:0], `{"GroupId":`...)
	var offset int
	k := g.w.data.BigMembers
	switch band {
	case bandRead:
		b = append(b, g.w.groups[g.rng.IntN(len(g.w.groups))]...)
		offset = g.between(0, g.w.data.Members-PageLimit)
	case bandBig0:
		b = append(b, g.w.big...)
	case bandBigMid:
		b = append(b, g.w.big...)
		offset = g.between(k*2/5, k*3/5-PageLimit)
	case bandBigDeep:
		b = append(b, g.w.big...)
		offset = g.between(k*9/10, k-PageLimit)
	}
	b = append(b, `,"Limit":`...)
	b = strconv.AppendInt(b, PageLimit, 10)
	b = append(b, `,"Offset":`...)
	b = strconv.AppendInt(b, int64(offset), 10)
	g.body = append(b, '}')
	return band
}

// readBandOf picks the band of a read.
func (g *gen) readBandOf() int {
	switch g.w.readBand {
	case ReadGroups:
		return bandRead
	case ReadBig0:
		return bandBig0
	case ReadBigMid:
		return bandBigMid
	case ReadBigDeep:
		return bandBigDeep
	}
	if g.w.big == nil || g.rng.IntN(2) == 0 {
		return bandRead
	}
	return bandBig0 + g.rng.IntN(3)
}

// between returns a random integer from lo to hi, or lo when hi < lo; never below 0.
func (g *gen) between(lo, hi int) int {
	lo = max(lo, 0)
	if hi <= lo {
		return lo
	}
	return lo + g.rng.IntN(hi-lo+1)
}

// lorem fills the texts of the send scenario after their unique prefix.
const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."

// sendBody makes a send_group_msg body: a TIMTextElem of TextBytes bytes from a random
// member of one of the first sendGroups groups, with a Random unique in the run (a send
// that repeats group, sender, Random and body within five minutes is a retry, which timd
// answers without storing anything).
func (g *gen) sendBody() {
	i, j := g.rng.IntN(g.w.sendGroups), g.w.from+g.rng.IntN(g.w.span)
	n := g.w.seq.Add(1)
	b := append(g.body[:0], `{"GroupId":`...)
	b = append(b, g.w.groups[i]...)
	b = append(b, `,"From_Account":`...)
	b = g.appendMember(b, i, j)
	b = append(b, `,"Random":`...)
	b = strconv.AppendUint(b, uint64(g.w.random+uint32(n)), 10)
	b = append(b, `,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"`...)
	start := len(b)
	b = append(b, g.w.run...)
	b = append(b, '-')
	b = strconv.AppendUint(b, n, 36)
	b = append(b, ' ')
	b = append(b, lorem[:TextBytes-(len(b)-start)]...)
	g.body = append(b, `"}}]}`...)
}

// historyBody makes a group_msg_get_simple body of HistoryPage messages of the history
// group and returns its band: the newest page, or one ending at a random ReqMsgSeq from
// HistoryPage to the newest, so every page is full.
func (g *gen) historyBody() int {
	b := append(g.body[:0], `{"GroupId":`...)
	b = append(b, g.w.history...)
	b = append(b, `,"ReqMsgNumber":`...)
	b = strconv.AppendInt(b, HistoryPage, 10)
	band := bandHistoryNewest
	if !g.w.newest {
		band = bandHistoryAny
		b = append(b, `,"ReqMsgSeq":`...)
		b = strconv.AppendInt(b, int64(g.between(HistoryPage, int(g.w.data.HistoryTop))), 10)
	}
	g.body = append(b, '}')
	return band
}

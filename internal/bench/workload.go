package bench

import (
	"bytes"
	"context"
	"encoding/json"
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
)

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
)

// BandNames returns the names of the bands of every Workload, by index.
func BandNames() []string {
	return []string{"modify", "read groups", "read big@0", "read big@mid", "read big@deep"}
}

// PageLimit is the Limit of every get_group_member_info.
const PageLimit = 100

// Commands the workloads send.
const (
	cmdModify = "group_open_http_svc/modify_group_member_info"
	cmdRead   = "group_open_http_svc/get_group_member_info"
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
	run      string   // this run's prefix of every NameCard
	seq      atomic.Uint64
}

// NewWorkload returns the workload of scenario over d. fields are the member custom
// fields the app defines (modify writes them); readBand is one of the Read constants; t
// signs the auth scenario's requests.
func NewWorkload(scenario string, d *Dataset, fields []string, readBand string, t Target) (*Workload, error) {
	switch scenario {
	case ScenarioModify, ScenarioRead, ScenarioMixed, ScenarioAuth, ScenarioCeiling:
	default:
		return nil, fmt.Errorf("scenario %q: want modify, read, mixed, auth or ceiling", scenario)
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
		run: strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)}
	for _, g := range d.Groups {
		q, _ := json.Marshal(g) // a string always marshals
		w.groups = append(w.groups, q)
	}
	if d.Big != "" {
		w.big, _ = json.Marshal(d.Big)
	}
	return w, nil
}

// Scenario returns the workload's scenario.
func (w *Workload) Scenario() string { return w.scenario }

// NewOp returns a function making the Ops of worker i, which send through c.
func (w *Workload) NewOp(c *Caller) func(worker int) Op {
	return func(worker int) Op {
		g := &gen{w: w, c: c, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(worker)))}
		return g.op
	}
}

// gen is one worker's request maker.
type gen struct {
	w    *Workload
	c    *Caller
	rng  *rand.Rand
	body []byte
	buf  bytes.Buffer
}

// op makes and sends one request.
func (g *gen) op(ctx context.Context) Outcome {
	req := Request{Random: g.rng.Uint32()}
	var band int
	switch {
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
	o.Band = band
	return o
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
	i, j := g.rng.IntN(len(g.w.groups)), g.rng.IntN(g.w.data.Members)
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

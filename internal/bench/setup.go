package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Batch sizes of the set-up calls: Tencent's limits, which timd enforces by default.
const (
	importBatch = 100 // multiaccount_import
	createBatch = 500 // create_group MemberList
	addBatch    = 300 // add_group_member
	msgBatch    = 7   // import_group_msg MsgList
)

// Dataset is the data a run prepares through the API: Groups of Members members each,
// and optionally one big group. Member j of group i is account Account(i*Members+j); the
// big group's members are accounts 0 to BigMembers-1.
type Dataset struct {
	Prefix     string   // account name prefix
	Groups     []string // IDs of the normal groups
	Members    int      // members of each normal group
	Big        string   // ID of the big group; "" for none
	BigMembers int
	// History is the ID of the history group, "" for none: a Public group imported with
	// a CreateTime in the past and HistoryMessages imported messages, the newest of
	// which has MsgSeq HistoryTop.
	History         string
	HistoryMessages int
	HistoryTop      int64
}

// Account returns the name of account i.
func (d *Dataset) Account(i int) string { return d.Prefix + strconv.Itoa(i) }

// Accounts returns the number of accounts the dataset needs.
func (d *Dataset) Accounts() int { return max(len(d.Groups)*d.Members, d.BigMembers) }

// SetupConfig says what Prepare makes.
type SetupConfig struct {
	Groups     int    // normal groups; at least 1
	Members    int    // members per normal group; at least 1
	BigMembers int    // members of the big group; 0 for none
	Parallel   int    // calls in flight at once; default 4
	Prefix     string // account name prefix; default "tb"
	// HistoryMessages, when positive, makes the history group with that many messages.
	HistoryMessages int
	// Progress, when set, receives a line per step.
	Progress io.Writer
}

// SetupTimes are the durations of the set-up steps.
type SetupTimes struct {
	Accounts time.Duration
	Groups   time.Duration
	Big      time.Duration
	History  time.Duration
	Total    time.Duration
}

// Prepare imports the accounts and creates the groups of cfg through c. The normal
// groups are Public, created with create_group MemberList and then add_group_member
// batches, with MaxMemberCount set to their size so any server limit fits.
func Prepare(ctx context.Context, c *Caller, cfg SetupConfig) (*Dataset, SetupTimes, error) {
	if cfg.Groups < 1 || cfg.Members < 1 || cfg.BigMembers < 0 || cfg.HistoryMessages < 0 {
		return nil, SetupTimes{}, fmt.Errorf("bench: want at least 1 group of 1 member, got %d of %d", cfg.Groups, cfg.Members)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "tb"
	}
	d := &Dataset{Prefix: cfg.Prefix, Groups: make([]string, cfg.Groups), Members: cfg.Members, BigMembers: cfg.BigMembers,
		HistoryMessages: cfg.HistoryMessages}
	var t SetupTimes
	start := time.Now()
	step := func(name string, took *time.Duration, fn func() error) error {
		s := time.Now()
		err := fn()
		*took = time.Since(s)
		if err == nil && cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "setup: %s in %s\n", name, took.Round(time.Millisecond))
		}
		return err
	}
	err := step(fmt.Sprintf("%d accounts imported", d.Accounts()), &t.Accounts, func() error {
		return importAccounts(ctx, c, d, cfg.Parallel)
	})
	if err == nil {
		err = step(fmt.Sprintf("%d groups of %d members created", cfg.Groups, cfg.Members), &t.Groups, func() error {
			return createGroups(ctx, c, d, cfg.Parallel)
		})
	}
	if err == nil && cfg.BigMembers > 0 {
		err = step(fmt.Sprintf("big group of %d members created", cfg.BigMembers), &t.Big, func() error {
			return createBig(ctx, c, d, cfg.Progress)
		})
	}
	if err == nil && cfg.HistoryMessages > 0 {
		err = step(fmt.Sprintf("history group of %d messages imported", cfg.HistoryMessages), &t.History, func() error {
			return createHistory(ctx, c, d, cfg.Parallel, cfg.Progress)
		})
	}
	t.Total = time.Since(start)
	return d, t, err
}

// parallel runs fn(0) to fn(n-1), at most p at a time, and returns the first error;
// after an error it starts no more.
func parallel(ctx context.Context, n, p int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, p)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// importAccounts imports every account of d in batches.
func importAccounts(ctx context.Context, c *Caller, d *Dataset, p int) error {
	n := d.Accounts()
	batches := (n + importBatch - 1) / importBatch
	return parallel(ctx, batches, p, func(ctx context.Context, b int) error {
		ids := make([]string, 0, importBatch)
		for i := b * importBatch; i < min((b+1)*importBatch, n); i++ {
			ids = append(ids, d.Account(i))
		}
		a, err := c.MustOK(ctx, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": ids})
		if err != nil {
			return err
		}
		var resp struct{ FailAccounts []string }
		if err := json.Unmarshal(a.Raw, &resp); err != nil || len(resp.FailAccounts) > 0 {
			return fmt.Errorf("multiaccount_import: accounts not imported: %v %v", resp.FailAccounts, err)
		}
		return nil
	})
}

// createGroups creates the normal groups of d.
func createGroups(ctx context.Context, c *Caller, d *Dataset, p int) error {
	return parallel(ctx, len(d.Groups), p, func(ctx context.Context, g int) error {
		first := g * d.Members
		id, err := createGroup(ctx, c, d, "timbench "+strconv.Itoa(g), first, first+d.Members)
		d.Groups[g] = id
		return err
	})
}

// createBig creates the big group of d, reporting progress at every tenth.
func createBig(ctx context.Context, c *Caller, d *Dataset, progress io.Writer) error {
	tenth := 0
	id, err := createGroupWith(ctx, c, d, "timbench big", 0, d.BigMembers, func(done int) {
		if t := done * 10 / d.BigMembers; progress != nil && t > tenth {
			tenth = t
			fmt.Fprintf(progress, "setup: big group: %d of %d members\n", done, d.BigMembers)
		}
	})
	d.Big = id
	return err
}

// createGroup creates a Public group of accounts from to end-1 and returns its ID.
func createGroup(ctx context.Context, c *Caller, d *Dataset, name string, from, end int) (string, error) {
	return createGroupWith(ctx, c, d, name, from, end, nil)
}

// createGroupWith is createGroup, calling added (when set) after each add_group_member.
func createGroupWith(ctx context.Context, c *Caller, d *Dataset, name string, from, end int, added func(int)) (string, error) {
	type member struct {
		Account string `json:"Member_Account"`
	}
	list := func(from, end int) []member {
		out := make([]member, 0, end-from)
		for i := from; i < end; i++ {
			out = append(out, member{d.Account(i)})
		}
		return out
	}
	next := min(from+createBatch, end)
	a, err := c.MustOK(ctx, "group_open_http_svc/create_group", map[string]any{
		"Type": "Public", "Name": name, "MaxMemberCount": end - from, "MemberList": list(from, next),
	})
	if err != nil {
		return "", err
	}
	var resp struct{ GroupId string }
	if err := json.Unmarshal(a.Raw, &resp); err != nil || resp.GroupId == "" {
		return "", fmt.Errorf("create_group: no GroupId in %s", snippet(a.Raw))
	}
	for next < end {
		to := min(next+addBatch, end)
		a, err := c.MustOK(ctx, "group_open_http_svc/add_group_member", map[string]any{
			"GroupId": resp.GroupId, "Silence": 1, "MemberList": list(next, to),
		})
		if err != nil {
			return "", err
		}
		if err := checkAdded(a.Raw); err != nil {
			return "", err
		}
		next = to
		if added != nil {
			added(next - from)
		}
	}
	return resp.GroupId, nil
}

// checkAdded returns an error unless an add_group_member answer added every account.
func checkAdded(raw []byte) error {
	var resp struct {
		MemberList []struct {
			Account string `json:"Member_Account"`
			Result  int
		}
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fmt.Errorf("add_group_member: %w", err)
	}
	for _, m := range resp.MemberList {
		if m.Result != 1 {
			return fmt.Errorf("add_group_member: %s: Result %d, want 1 (added)", m.Account, m.Result)
		}
	}
	return nil
}

// historyAge is how far in the past the history group was created.
const historyAge = 30 * 24 * 3600

// historyStep is the number of import_group_msg calls that share one SendTime. A call may
// not go before the group's newest message, so calls run in steps: those of one step in
// parallel, all with the same SendTime, and the next step, one second or more later, once
// they have all answered.
const historyStep = 1024

// createHistory imports the history group, created 30 days ago, and its HistoryMessages
// text messages with import_group_msg, 7 per call and p calls in flight, from random
// accounts of d with random Randoms, their SendTimes spread over the last day (well
// within the default retention of 7 days, so no page holds expired messages).
func createHistory(ctx context.Context, c *Caller, d *Dataset, p int, progress io.Writer) error {
	now := time.Now().Unix()
	a, err := c.MustOK(ctx, "group_open_http_svc/import_group", map[string]any{
		"Type": "Public", "Name": "timbench history", "CreateTime": now - historyAge,
	})
	if err != nil {
		return err
	}
	var resp struct{ GroupId string }
	if err := json.Unmarshal(a.Raw, &resp); err != nil || resp.GroupId == "" {
		return fmt.Errorf("import_group: no GroupId in %s", snippet(a.Raw))
	}
	d.History = resp.GroupId
	n := d.HistoryMessages
	calls := (n + msgBatch - 1) / msgBatch
	steps := (calls + historyStep - 1) / historyStep
	first, spacing := now-24*3600, max(int64(1), (24*3600-60)/int64(steps))
	var mu sync.Mutex
	var top int64
	tenth := 0
	for s := range steps {
		sendTime := first + int64(s)*spacing
		from, end := s*historyStep, min((s+1)*historyStep, calls)
		err := parallel(ctx, end-from, p, func(ctx context.Context, k int) error {
			call := from + k
			seq, err := importMessages(ctx, c, d, sendTime, call*msgBatch, min((call+1)*msgBatch, n))
			if err == nil {
				mu.Lock()
				top = max(top, seq)
				mu.Unlock()
			}
			return err
		})
		if err != nil {
			return err
		}
		if t := end * 10 / calls; progress != nil && t > tenth {
			tenth = t
			fmt.Fprintf(progress, "setup: history group: %d of %d messages\n", min(end*msgBatch, n), n)
		}
	}
	d.HistoryTop = top
	return nil
}

// importMessages imports messages from to end-1 of the history group, all at sendTime,
// and returns the highest MsgSeq they got.
func importMessages(ctx context.Context, c *Caller, d *Dataset, sendTime int64, from, end int) (int64, error) {
	type content struct {
		Text string
	}
	type elem struct {
		MsgType    string
		MsgContent content
	}
	type msg struct {
		From     string `json:"From_Account"`
		SendTime int64
		Random   uint32
		MsgBody  []elem
	}
	list := make([]msg, 0, end-from)
	for i := from; i < end; i++ {
		text := fmt.Sprintf("history %d %s", i, lorem)[:TextBytes]
		list = append(list, msg{From: d.Account(rand.IntN(d.Accounts())), SendTime: sendTime, Random: rand.Uint32(),
			MsgBody: []elem{{"TIMTextElem", content{text}}}})
	}
	a, err := c.MustOK(ctx, "group_open_http_svc/import_group_msg", map[string]any{"GroupId": d.History, "MsgList": list})
	if err != nil {
		return 0, err
	}
	var resp struct {
		ImportMsgResult []struct {
			MsgSeq int64
			Result int
		}
	}
	if err := json.Unmarshal(a.Raw, &resp); err != nil || len(resp.ImportMsgResult) != len(list) {
		return 0, fmt.Errorf("import_group_msg: %d results for %d messages in %s (%v)", len(resp.ImportMsgResult), len(list), snippet(a.Raw), err)
	}
	var top int64
	for _, r := range resp.ImportMsgResult {
		if r.Result != 0 || r.MsgSeq <= 0 {
			return 0, fmt.Errorf("import_group_msg: a message not imported: %s", snippet(a.Raw))
		}
		top = max(top, r.MsgSeq)
	}
	return top, nil
}

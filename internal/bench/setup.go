package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Batch sizes of the set-up calls: Tencent's limits, which timd enforces by default.
const (
	importBatch = 100 // multiaccount_import
	createBatch = 500 // create_group MemberList
	addBatch    = 300 // add_group_member
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
	// Progress, when set, receives a line per step.
	Progress io.Writer
}

// SetupTimes are the durations of the set-up steps.
type SetupTimes struct {
	Accounts time.Duration
	Groups   time.Duration
	Big      time.Duration
	Total    time.Duration
}

// Prepare imports the accounts and creates the groups of cfg through c. The normal
// groups are Public, created with create_group MemberList and then add_group_member
// batches, with MaxMemberCount set to their size so any server limit fits.
func Prepare(ctx context.Context, c *Caller, cfg SetupConfig) (*Dataset, SetupTimes, error) {
	if cfg.Groups < 1 || cfg.Members < 1 || cfg.BigMembers < 0 {
		return nil, SetupTimes{}, fmt.Errorf("bench: want at least 1 group of 1 member, got %d of %d", cfg.Groups, cfg.Members)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "tb"
	}
	d := &Dataset{Prefix: cfg.Prefix, Groups: make([]string, cfg.Groups), Members: cfg.Members, BigMembers: cfg.BigMembers}
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

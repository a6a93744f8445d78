package main

import (
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The multi-replica test of issue 5 ("Correctness across replicas"): three timd processes
// on one PostgreSQL schema, driven concurrently with signed HTTP calls spread over all of
// them. Each check was seen to fail against a store or service with the guarantee broken:
// the group row lock (owner, MaxMemberNum), the group and member row locks (lost member
// updates), one transaction per modify_group_member_info (torn writes), and the conflict
// on an existing GroupId (create_group).

// replicaCount is the number of timd processes.
const replicaCount = 3

// msgFlags are the MsgFlag values; a write numbered seq sets msgFlags[seq%4].
var msgFlags = [...]string{"AcceptAndNotify", "AcceptNotNotify", "Discard", "AcceptNotNotifyExceptAt"}

func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three timd processes on PostgreSQL; skipped under -short")
	}
	dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set: the multi-replica test needs a PostgreSQL " +
			"database it may create a schema in (README, PostgreSQL); .ci/run sets it")
	}
	c := startCluster(t, dsn, replicaCount)
	var accounts []string
	for _, set := range []struct {
		prefix string
		n      int
	}{{"m", 10}, {"o", 7}, {"w0a", 16}, {"w1a", 16}, {"w2a", 16}, {"x", 4}} {
		for i := range set.n {
			accounts = append(accounts, fmt.Sprintf("%s%d", set.prefix, i))
		}
	}
	c.mustImport(t, append(accounts, "own", "own2")...)

	t.Run("member fields", func(t *testing.T) { testReplicaMemberFields(t, c) })
	t.Run("minted group IDs", func(t *testing.T) { testReplicaMintedIDs(t, c) })
	t.Run("one custom group ID", func(t *testing.T) { testReplicaCustomID(t, c) })
	t.Run("one owner", func(t *testing.T) { testReplicaOwner(t, c) })
	t.Run("max members", func(t *testing.T) { testReplicaMaxMembers(t, c) })
}

// A fieldUnit is what one modify_group_member_info call sets on one member: one field
// (Role, NameCard, MsgFlag, MuteTime, F1, F2, F3), or "multi": NameCard, F1 and MsgFlag
// together, to one tag. Exactly one client writes a unit, in order, so the value of its
// last acknowledged write is the one every replica must show at the end.
type fieldUnit struct {
	member, kind string

	// Set by the one client that writes the unit.
	acked      bool      // a write was acknowledged
	seq        int       // the number of the last acknowledged write
	tag        string    // its tag
	sent, done time.Time // when it was sent and answered, bounding the server's clock
	unknown    bool      // a write failed: the unit's value cannot be known
}

// roleFor, muteFor and tagSeq map a write's number (and tag) to the values it sets.
func roleFor(seq int) string {
	if seq%2 == 1 {
		return "Admin"
	}
	return "Member"
}

func muteFor(seq int) int64 { return 1000 * int64(seq+1) } // 1000 s apart: unambiguous

func tagSeq(tag string) (int, bool) {
	_, s, ok := strings.Cut(tag, "-")
	n, err := strconv.Atoi(s)
	return n, ok && err == nil
}

// request returns the modify_group_member_info body of write seq with tag.
func (u *fieldUnit) request(group string, seq int, tag string) map[string]any {
	req := map[string]any{"GroupId": group, "Member_Account": u.member}
	switch u.kind {
	case "Role":
		req["Role"] = roleFor(seq)
	case "NameCard":
		req["NameCard"] = tag
	case "MsgFlag":
		req["MsgFlag"] = msgFlags[seq%4]
	case "MuteTime":
		req["MuteTime"] = muteFor(seq)
	case "F1", "F2", "F3":
		req["AppMemberDefinedData"] = []map[string]string{{"Key": u.kind, "Value": tag}}
	case "multi":
		req["NameCard"] = tag
		req["MsgFlag"] = msgFlags[seq%4]
		req["AppMemberDefinedData"] = []map[string]string{{"Key": "F1", "Value": tag}}
	}
	return req
}

// check compares member v, as replica i shows it after the run, with the unit's last
// acknowledged write, and returns the differences.
func (u *fieldUnit) check(i int, v memberView) []string {
	if u.unknown {
		return nil
	}
	var diffs []string
	expect := func(field, got, want string) {
		if got != want {
			diffs = append(diffs, fmt.Sprintf("replica %d: %s of %s: got %q, want %q (last acknowledged write %s)",
				i, field, u.member, got, want, u.tag))
		}
	}
	tag, flag, role := "", msgFlags[0], "Member" // the values before any write
	if u.acked {
		tag, flag, role = u.tag, msgFlags[u.seq%4], roleFor(u.seq)
	}
	switch u.kind {
	case "Role":
		expect("Role", v.Role, role)
	case "NameCard":
		expect("NameCard", v.NameCard, tag)
	case "MsgFlag":
		expect("MsgFlag", v.MsgFlag, flag)
	case "F1", "F2", "F3":
		expect(u.kind, v.Data[u.kind], tag)
	case "multi":
		expect("NameCard", v.NameCard, tag)
		expect("F1", v.Data["F1"], tag)
		expect("MsgFlag", v.MsgFlag, flag)
	case "MuteTime":
		lo, hi := int64(0), int64(0)
		if u.acked {
			lo, hi = u.sent.Unix()+muteFor(u.seq)-1, u.done.Unix()+muteFor(u.seq)+1
		}
		if v.MuteUntil < lo || v.MuteUntil > hi {
			diffs = append(diffs, fmt.Sprintf("replica %d: MuteUntil of %s: got %d, want %d..%d (last acknowledged write %s, MuteTime %d)",
				i, u.member, v.MuteUntil, lo, hi, u.tag, muteFor(u.seq)))
		}
	}
	return diffs
}

// torn reports a member written by "multi" calls whose NameCard, F1 and MsgFlag do not
// come from one call.
func torn(v memberView) bool {
	if v.NameCard == "" && v.Data["F1"] == "" {
		return v.MsgFlag != msgFlags[0]
	}
	seq, ok := tagSeq(v.NameCard)
	return !ok || v.Data["F1"] != v.NameCard || v.MsgFlag != msgFlags[seq%4]
}

// testReplicaMemberFields has clients modify overlapping members of one group through
// different replicas, each call setting another field, and checks that every replica
// shows each (member, field) at its last acknowledged value (no lost update) and that
// NameCard, F1 and MsgFlag set by one call always appear together (no torn write), at
// the end and to readers during the run.
func testReplicaMemberFields(t *testing.T, c *cluster) {
	const nMembers, nClients, nCalls = 10, 8, 50
	members := make([]string, nMembers)
	for i := range members {
		members[i] = fmt.Sprintf("m%d", i)
	}
	group := c.mustCreate(t, "Public", "own", members, nil)
	units, multi := fieldUnits(members)
	perClient := make([][]*fieldUnit, nClients)
	for i, u := range units {
		perClient[i%nClients] = append(perClient[i%nClients], u)
	}

	start := time.Now()
	stop := make(chan struct{})
	var readers sync.WaitGroup
	reads := make([]int, 2)
	for r := range reads {
		readers.Go(func() { reads[r] = readUntorn(t, c, r, group, multi, stop) })
	}
	var writers sync.WaitGroup
	for k, mine := range perClient {
		writers.Go(func() { writeUnits(t, c, k, group, mine, nCalls) })
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	t.Logf("%d modify_group_member_info calls by %d clients over %d replicas in %v; %v concurrent reads",
		nClients*nCalls, nClients, len(c.procs), time.Since(start).Round(time.Millisecond), reads)

	for i := range c.procs {
		views, _ := c.mustMembers(t, i, group)
		var diffs []string
		for _, u := range units {
			v, ok := views[u.member]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("replica %d: %s is not a member", i, u.member))
				continue
			}
			diffs = append(diffs, u.check(i, v)...)
		}
		for _, m := range multi {
			if v := views[m]; torn(v) {
				diffs = append(diffs, fmt.Sprintf("replica %d: %s has NameCard %q, F1 %q, MsgFlag %q: a torn multi-field write",
					i, m, v.NameCard, v.Data["F1"], v.MsgFlag))
			}
		}
		if len(diffs) > 0 {
			t.Errorf("%d acknowledged changes are not what replica %d shows:\n%s", len(diffs), i, strings.Join(diffs, "\n"))
		}
	}
}

// fieldUnits returns the units of members, member by member, so that dealing them out
// in turn has each member written by five to seven clients at once, each on fields of
// its own. Even members take NameCard, F1 and MsgFlag in multi-field calls (they are
// returned as multi too), odd ones one field a call.
func fieldUnits(members []string) (units []*fieldUnit, multi []string) {
	for i, m := range members {
		kinds := []string{"Role", "MuteTime", "F2", "F3", "NameCard", "F1", "MsgFlag"}
		if i%2 == 0 {
			kinds = append(kinds[:4], "multi")
			multi = append(multi, m)
		}
		for _, k := range kinds {
			units = append(units, &fieldUnit{member: m, kind: k})
		}
	}
	return units, multi
}

// writeUnits is client k: n modify_group_member_info calls, each the next write of the
// next of its units, spread over the replicas. It records each unit's last acknowledged
// write, and stops at the first call not answered OK.
func writeUnits(t *testing.T, c *cluster, k int, group string, units []*fieldUnit, n int) {
	for j := range n {
		u := units[j%len(units)]
		tag := fmt.Sprintf("c%d-%d", k, j)
		replica := (k + j) % len(c.procs)
		sent := time.Now()
		st, err := c.call(replica, svcGroup+"modify_group_member_info", u.request(group, j, tag), nil)
		if err != nil || st.ErrorCode != 0 {
			u.unknown = true
			t.Errorf("client %d, %s of %s to %s on replica %d: got %v %d %s, want OK",
				k, u.kind, u.member, tag, replica, err, st.ErrorCode, st.ErrorInfo)
			return
		}
		u.acked, u.seq, u.tag, u.sent, u.done = true, j, tag, sent, time.Now()
	}
}

// readUntorn reads the group's members from the replicas in turn, starting at replica r,
// until stop is closed (at most 5000 times), and fails the test at the first member of
// multi it sees torn. It returns the number of reads.
func readUntorn(t *testing.T, c *cluster, r int, group string, multi []string, stop <-chan struct{}) int {
	for i := range 5000 {
		select {
		case <-stop:
			return i
		default:
		}
		replica := (r + i) % len(c.procs)
		views, _, err := c.members(replica, group)
		if err != nil {
			t.Error(err)
			return i
		}
		for _, m := range multi {
			if v := views[m]; torn(v) {
				t.Errorf("replica %d during the run: %s has NameCard %q, F1 %q, MsgFlag %q: a torn multi-field write",
					replica, m, v.NameCard, v.Data["F1"], v.MsgFlag)
				return i + 1
			}
		}
	}
	return 5000
}

// testReplicaMintedIDs checks that concurrent create_group calls with minted IDs on every
// replica all succeed, with distinct IDs of groups that exist.
func testReplicaMintedIDs(t *testing.T, c *cluster) {
	const workersPerReplica, perWorker = 3, 10
	// Two owners: if two calls ever took one minted ID, the second would not meet the
	// first's owner as an existing member, and both would be answered OK.
	owners := [2]string{"own", "own2"}
	var mu sync.Mutex
	ids := map[string]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workersPerReplica * len(c.procs) {
		wg.Go(func() {
			replica := w % len(c.procs)
			for j := range perWorker {
				var out struct{ GroupId string }
				req := map[string]any{"Type": "Public", "Name": fmt.Sprintf("auto %d-%d", w, j), "Owner_Account": owners[(w+j)%2]}
				st, err := c.call(replica, svcGroup+"create_group", req, &out)
				if err != nil || st.ErrorCode != 0 || out.GroupId == "" {
					t.Errorf("create_group with a minted ID on replica %d: got %v %d %s %q, want OK with a GroupId",
						replica, err, st.ErrorCode, st.ErrorInfo, out.GroupId)
					continue
				}
				mu.Lock()
				ids[out.GroupId]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	want := workersPerReplica * len(c.procs) * perWorker
	t.Logf("%d concurrent create_group calls in %v", want, time.Since(start).Round(time.Millisecond))
	var created []string
	for id, n := range ids {
		if n > 1 {
			t.Errorf("GroupId %s: answered to %d create_group calls, want 1", id, n)
		}
		created = append(created, id)
	}
	if len(ids) != want {
		t.Errorf("distinct minted GroupIds: got %d, want %d", len(ids), want)
	}
	for len(created) > 0 {
		n := min(len(created), 50)
		infos, err := c.groupInfos(1, created[:n]...)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range infos {
			if g.ErrorCode != 0 {
				t.Errorf("get_group_info %s on replica 1: got ErrorCode %d, want the group", g.GroupId, g.ErrorCode)
			}
		}
		created = created[n:]
	}
}

// testReplicaCustomID creates each of ten custom GroupIds on two replicas at once, for two
// owners, and checks that one call is answered OK and the other 10021, and that the group
// is the winner's.
func testReplicaCustomID(t *testing.T, c *cluster) {
	owners := [2]string{"own", "own2"}
	var wg sync.WaitGroup
	for round := range 10 {
		id := fmt.Sprintf("race-%d", round)
		var codes [2]int
		ready := make(chan struct{})
		for k := range 2 {
			wg.Go(func() {
				<-ready
				replica := (round + k) % len(c.procs)
				req := map[string]any{"Type": "Public", "Name": "race", "GroupId": id, "Owner_Account": owners[k]}
				st, err := c.call(replica, svcGroup+"create_group", req, nil)
				if err != nil {
					t.Error(err)
					st.ErrorCode = -1
				}
				codes[k] = st.ErrorCode
			})
		}
		close(ready)
		wg.Wait()
		winner := 0
		switch codes {
		case [2]int{0, 10021}:
		case [2]int{10021, 0}:
			winner = 1
		default:
			t.Errorf("create_group %s on two replicas at once: got ErrorCodes %v, want one 0 and one 10021", id, codes)
			continue
		}
		if g := c.mustGroupInfo(t, (round+2)%len(c.procs), id); g.Owner_Account != owners[winner] {
			t.Errorf("group %s: got Owner_Account %q, want %q, the owner of the call answered OK", id, g.Owner_Account, owners[winner])
		}
	}
}

// testReplicaOwner races change_group_owner against Role changes on one group across the
// replicas and checks that exactly one member is Owner, the group's Owner_Account, on
// every replica.
func testReplicaOwner(t *testing.T, c *cluster) {
	const nAccounts, ownerCalls, roleCalls = 7, 20, 25
	others := make([]string, nAccounts-1)
	for i := range others {
		others[i] = fmt.Sprintf("o%d", i+1)
	}
	group := c.mustCreate(t, "Public", "o0", others, nil)
	random := func() string { return fmt.Sprintf("o%d", mrand.IntN(nAccounts)) }

	var wg sync.WaitGroup
	for w := range len(c.procs) {
		wg.Go(func() {
			for j := range ownerCalls {
				replica := (w + j) % len(c.procs)
				req := map[string]any{"GroupId": group, "NewOwner_Account": random()}
				st, err := c.call(replica, svcGroup+"change_group_owner", req, nil)
				if err != nil || st.ErrorCode != 0 {
					t.Errorf("change_group_owner %v on replica %d: got %v %d %s, want OK", req, replica, err, st.ErrorCode, st.ErrorInfo)
					return
				}
			}
		})
		wg.Go(func() {
			for j := range roleCalls {
				replica := (w + j + 1) % len(c.procs)
				req := map[string]any{"GroupId": group, "Member_Account": random(), "Role": roleFor(j)}
				st, err := c.call(replica, svcGroup+"modify_group_member_info", req, nil)
				// 10004: the target was the owner at that moment (docs/compatibility.md §5 row 8).
				if err != nil || st.ErrorCode != 0 && st.ErrorCode != 10004 {
					t.Errorf("modify_group_member_info %v on replica %d: got %v %d %s, want OK or 10004", req, replica, err, st.ErrorCode, st.ErrorInfo)
					return
				}
			}
		})
	}
	wg.Wait()

	for i := range c.procs {
		owner := c.mustGroupInfo(t, i, group).Owner_Account
		views, _ := c.mustMembers(t, i, group)
		var owners []string
		for a, v := range views {
			if v.Role == "Owner" {
				owners = append(owners, a)
			}
		}
		if len(owners) != 1 || owners[0] != owner {
			t.Errorf("replica %d: members with Role Owner: got %v, want exactly the Owner_Account %q", i, owners, owner)
		}
	}
}

// testReplicaMaxMembers has every replica add disjoint batches to groups with
// MaxMemberCount 20 at once, and checks that no group exceeds it, that every call is
// answered OK or 10014, and that the members the OK answers report added are exactly the
// growth of MemberNum, as every replica shows it.
func testReplicaMaxMembers(t *testing.T, c *cluster) {
	const maxMembers = 20
	for round := range 3 {
		group := c.mustCreate(t, "Public", "own", []string{"x0", "x1", "x2", "x3"}, map[string]any{"MaxMemberCount": maxMembers})
		before := c.mustGroupInfo(t, 0, group)
		if before.MaxMemberNum != maxMembers {
			t.Fatalf("group %s: got MaxMemberNum %d, want %d", group, before.MaxMemberNum, maxMembers)
		}
		initial := before.MemberNum
		var added, full [replicaCount]int
		var wg sync.WaitGroup
		for w := range c.procs {
			wg.Go(func() { added[w], full[w] = addBatches(t, c, w, group) })
		}
		wg.Wait()
		sum := 0
		for _, n := range added {
			sum += n
		}
		t.Logf("group %d: %v added, %v calls answered 10014, by replica", round, added, full)
		for i := range c.procs {
			g := c.mustGroupInfo(t, i, group)
			if g.MemberNum > maxMembers {
				t.Errorf("replica %d, group %s: got MemberNum %d, want at most MaxMemberNum %d", i, g.GroupId, g.MemberNum, maxMembers)
			}
			if g.MemberNum != initial+sum {
				t.Errorf("replica %d, group %s: got MemberNum %d, want %d: %d before and %d reported added by the OK answers",
					i, g.GroupId, g.MemberNum, initial+sum, initial, sum)
			}
			if views, n := c.mustMembers(t, i, group); len(views) != g.MemberNum || n != g.MemberNum {
				t.Errorf("replica %d, group %s: get_group_member_info lists %d members with MemberNum %d, want get_group_info's %d",
					i, g.GroupId, len(views), n, g.MemberNum)
			}
		}
	}
}

// addBatches adds batches of 3, 4, 2, 3 and 4 accounts of its own (w<w>a0 to w<w>a15) to
// group through replica w, and returns the number of accounts the OK answers report
// added and the number of calls answered 10014. It stops at an answer that is neither.
func addBatches(t *testing.T, c *cluster, w int, group string) (added, full int) {
	next := 0
	for _, size := range []int{3, 4, 2, 3, 4} {
		list := make([]map[string]string, size)
		for i := range list {
			list[i] = map[string]string{"Member_Account": fmt.Sprintf("w%da%d", w, next)}
			next++
		}
		var out struct {
			MemberList []struct {
				Member_Account string
				Result         int
			}
		}
		st, err := c.call(w, svcGroup+"add_group_member", map[string]any{"GroupId": group, "MemberList": list}, &out)
		switch {
		case err != nil || st.ErrorCode != 0 && st.ErrorCode != 10014:
			t.Errorf("add_group_member of %d on replica %d: got %v %d %s, want OK or 10014", size, w, err, st.ErrorCode, st.ErrorInfo)
			return added, full
		case st.ErrorCode == 10014:
			full++
			continue
		}
		for _, r := range out.MemberList {
			if r.Result != 1 {
				t.Errorf("add_group_member on replica %d: %s got Result %d, want 1 (imported, not yet a member)", w, r.Member_Account, r.Result)
				continue
			}
			added++
		}
	}
	return added, full
}

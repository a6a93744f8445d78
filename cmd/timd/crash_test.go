package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // PRAGMA integrity_check on the file timd left

	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/usersig"
)

// The crash test of issue 7 ("Crash safety"): a mixed write load from several clients,
// timd killed with SIGKILL at random moments and restarted on the same data, and after
// every restart a check of the whole store against a ledger of what was acknowledged.
//
// Each client is the only writer of its keys (its members' fields, its churn accounts'
// membership, its groups) and makes one call at a time, so after a kill each key has at
// most one call whose answer was lost: the store must show either the acknowledged value
// or the value after that call, nothing else.

const (
	crashClients = 6  // concurrent writers
	crashKills   = 40 // SIGKILLs per store
	crashFixed   = 3  // members per client whose fields modify_group_member_info rewrites
	crashChurn   = 6  // accounts per client that add/delete_group_member move in and out
)

func TestCrash(t *testing.T) {
	mustBinary(t) // skips under -short
	t.Run("sqlite", func(t *testing.T) {
		dataDir := filepath.Join(t.TempDir(), "data")
		r := newCrashRig(t, dataDir)
		r.afterLastKill = func(t *testing.T) { mustIntegrityOK(t, filepath.Join(dataDir, "timd.db")) }
		r.run(t)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("TIMD_TEST_POSTGRES_DSN is not set: PostgreSQL lane skipped (.ci/run sets it)")
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		schemaDSN, drop, err := postgres.NewTestSchema(ctx, dsn)
		if err != nil {
			t.Fatalf("NewTestSchema: %v", err)
		}
		// Registered before the processes' cleanups, so it runs after them.
		t.Cleanup(func() {
			if err := drop(); err != nil {
				t.Errorf("drop the test schema: %v", err)
			}
		})
		r := newCrashRig(t, filepath.Join(t.TempDir(), "data"), "TIMD_POSTGRES_MAX_CONNS=8")
		r.pgDSN = schemaDSN
		if r.pg, err = pgx.Connect(ctx, dsn); err != nil {
			t.Fatalf("connect to PostgreSQL: %v", err)
		}
		defer r.pg.Close(context.Background())
		r.run(t)
	})
}

// crashRig is one store's crash test: the timd process of the moment, the clients and
// their ledgers, and the tallies of the report.
type crashRig struct {
	dataDir string
	env     []string
	seed    uint64   // of the clients' choices and the kills' timing
	c       *cluster // of one process, replaced at every restart
	clients []*crashClient
	killed  atomic.Bool // set just before each SIGKILL: the clients send no new call
	// afterLastKill, when set, runs after the final kill, before the final restart.
	afterLastKill func(t *testing.T)

	// PostgreSQL only: the schema's DSN, a connection to watch pg_stat_activity, and the
	// application_name of the sessions of the process of the moment. After a kill the
	// check waits until those sessions have ended: until then a COMMIT the process sent
	// may still complete, and what it wrote appear.
	pgDSN      string
	pg         *pgx.Conn
	pgApp      string
	lingering  int // sessions of killed processes still there right after the kill
	committing int // of those, the ones running a COMMIT

	kills      int
	long       int            // kills after 1.1 to 1.6 s of load instead of 50 to 400 ms
	slowest    time.Duration  // the longest restart, from exec to /readyz answering 200
	landed     map[string]int // calls in flight at a kill whose effect is in the store, by command
	notLanded  map[string]int // and those whose effect is not
	verifyTime time.Duration
}

// newCrashRig prepares a rig for timd on dataDir with the extra environment: a fresh
// secret key, member custom field F1, and rate limits off.
func newCrashRig(t *testing.T, dataDir string, extra ...string) *crashRig {
	t.Helper()
	var b [32]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	cfgPath := filepath.Join(t.TempDir(), "timd.json")
	cfgFile := fmt.Sprintf(`{"apps":[{"sdkappid":%s,"rate_limits":{"default":0}}]}`, devSDKAppID)
	if err := os.WriteFile(cfgPath, []byte(cfgFile), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	sdkappid, _ := strconv.ParseUint(devSDKAppID, 10, 64)
	r := &crashRig{
		dataDir: dataDir,
		env:     append([]string{"TIMD_SECRET_KEY=" + key, "TIMD_CONFIG=" + cfgPath, "TIMD_MEMBER_FIELDS=F1"}, extra...),
		c: &cluster{
			sig:    usersig.Mint(sdkappid, devAdmin, key, 86400, time.Now()),
			client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashClients}},
			ctx:    ctx,
		},
		landed:    map[string]int{},
		notLanded: map[string]int{},
	}
	t.Cleanup(r.c.client.CloseIdleConnections)
	r.seed = uint64(time.Now().UnixNano())
	t.Logf("random seed %d", r.seed)
	for i := range crashClients {
		r.clients = append(r.clients, newCrashClient(i, mrand.New(mrand.NewPCG(r.seed, uint64(i)))))
	}
	return r
}

// run sets up the clients' accounts and groups, then kills and restarts timd crashKills
// times under load, checking the store after every restart.
func (r *crashRig) run(t *testing.T) {
	begin := time.Now()
	rng := mrand.New(mrand.NewPCG(r.seed, crashClients)) // the kills' timing
	r.start(t)
	r.setup(t)
	for r.kills < crashKills {
		delay := 50*time.Millisecond + time.Duration(rng.Int64N(int64(350*time.Millisecond)))
		if r.kills%4 == 3 {
			// Long enough for several of SQLite's background WAL checkpoint rounds (every
			// 250 ms) to run under load, so that some kills land in or after one.
			delay = 1100*time.Millisecond + time.Duration(rng.Int64N(int64(500*time.Millisecond)))
			r.long++
		}
		r.loadAndKill(t, delay)
		if r.kills == crashKills && r.afterLastKill != nil {
			r.afterLastKill(t)
		}
		r.start(t)
		r.verify(t)
		if t.Failed() {
			t.Fatalf("after kill %d: the store does not hold what was acknowledged", r.kills)
		}
	}
	if code := r.c.procs[0].MustStop(t); code != 0 {
		t.Errorf("exit code after SIGTERM: got %d, want 0\n%s", code, r.c.procs[0].log)
	}
	r.report(t, time.Since(begin))
}

// report logs the tallies.
func (r *crashRig) report(t *testing.T, took time.Duration) {
	acked := map[string]int{}
	total := 0
	for _, cl := range r.clients {
		for k, n := range cl.acked {
			acked[k] += n
			total += n
		}
	}
	sum := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	t.Logf("%d SIGKILLs (%d after 50-400 ms of load, %d after 1.1-1.6 s) in %v with %d clients; %d calls acknowledged OK %v, every one present after each restart",
		r.kills, r.kills-r.long, r.long, took.Round(time.Millisecond), crashClients, total, acked)
	t.Logf("calls in flight at the kills: %d landed %v, %d did not %v; no multi-field modify torn",
		sum(r.landed), r.landed, sum(r.notLanded), r.notLanded)
	if r.pg != nil {
		t.Logf("PostgreSQL sessions of the killed processes still there right after the kills: %d, %d of them running COMMIT (the check waited for them to end)",
			r.lingering, r.committing)
	}
	t.Logf("slowest restart to /readyz: %v; checking the store after the restarts took %v in all",
		r.slowest.Round(time.Millisecond), r.verifyTime.Round(time.Millisecond))
}

// start starts timd on the rig's data and waits until /readyz answers 200: the store
// opened without repair. It fails the test if that takes over 5 s.
func (r *crashRig) start(t *testing.T) {
	t.Helper()
	begin := time.Now()
	env := r.env
	if r.pgDSN != "" {
		r.pgApp = fmt.Sprintf("timd_crash_%d_%d", os.Getpid(), r.kills)
		env = append(slices.Clone(env), "TIMD_POSTGRES_DSN="+withAppName(r.pgDSN, r.pgApp))
	}
	p := MustStart(t, r.dataDir, env...)
	mustReady(t, p, 5*time.Second)
	took := time.Since(begin)
	if took > 5*time.Second {
		t.Fatalf("restart to /readyz took %v, want under 5s", took)
	}
	r.slowest = max(r.slowest, took)
	r.c.procs = []*timd{p}
}

// mustReady waits up to d for GET /readyz to answer 200.
func mustReady(tb testing.TB, p *timd, d time.Duration) {
	tb.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(d)
	for {
		resp, err := client.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("GET /readyz: got %v, want 200 within %v\n%s", err, d, p.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// setup imports every client's accounts and creates its group with its fixed members.
func (r *crashRig) setup(t *testing.T) {
	t.Helper()
	var accounts []string
	for _, cl := range r.clients {
		accounts = append(append(append(accounts, cl.owner), cl.fixed...), cl.churn...)
	}
	r.c.mustImport(t, accounts...)
	for _, cl := range r.clients {
		if got := r.c.mustCreate(t, "Public", cl.owner, cl.fixed, map[string]any{"GroupId": cl.group}); got != cl.group {
			t.Fatalf("create_group: got GroupId %q, want %q", got, cl.group)
		}
	}
}

// loadAndKill runs every client until it has run for delay, then kills timd with
// SIGKILL and waits for the clients to stop.
func (r *crashRig) loadAndKill(t *testing.T, delay time.Duration) {
	t.Helper()
	r.killed.Store(false)
	var wg sync.WaitGroup
	for _, cl := range r.clients {
		wg.Go(func() { cl.run(r.c, &r.killed) })
	}
	time.Sleep(delay)
	r.killed.Store(true)
	p := r.c.procs[0]
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v\n%s", err, p.log)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("timd still running 5s after SIGKILL")
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("timd ended by itself before the kill: %v\n%s", p.waitErr, lastLines(p.log.String(), 30))
	}
	r.kills++
	r.waitSessionsEnded(t)
	wg.Wait()
	r.c.client.CloseIdleConnections()
	for _, cl := range r.clients {
		for _, e := range cl.errs {
			t.Errorf("client %d: %s", cl.id, e)
		}
		cl.errs = nil
	}
}

// waitSessionsEnded waits up to 10 s until PostgreSQL has ended every session of the
// killed process, committing or rolling back what each was doing. It does nothing on
// SQLite.
func (r *crashRig) waitSessionsEnded(t *testing.T) {
	t.Helper()
	if r.pg == nil {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for first := true; ; first = false {
		rows, err := r.pg.Query(t.Context(), `SELECT coalesce(state, '') || ': ' || left(query, 24) FROM pg_stat_activity WHERE application_name = $1`, r.pgApp)
		if err != nil {
			t.Fatalf("pg_stat_activity: %v", err)
		}
		sessions, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("pg_stat_activity: %v", err)
		}
		if len(sessions) == 0 {
			return
		}
		if first {
			r.lingering += len(sessions)
			for _, s := range sessions {
				if strings.EqualFold(s, "active: commit") {
					r.committing++
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL sessions of the killed timd still there 10s after the kill: %q", sessions)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// withAppName returns dsn, a URL or key=value pairs, with application_name set to name.
func withAppName(dsn, name string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("application_name", name)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " application_name=" + name
}

// verify checks every client's keys against its ledger and settles the calls the kill
// left in doubt.
func (r *crashRig) verify(t *testing.T) {
	t.Helper()
	begin := time.Now()
	for _, cl := range r.clients {
		op := cl.pending
		landed, problems := cl.verify(r.c)
		for _, p := range problems {
			t.Errorf("after kill %d, client %d: %s", r.kills, cl.id, p)
		}
		switch {
		case op == nil:
		case landed:
			r.landed[op.kind]++
		default:
			r.notLanded[op.kind]++
		}
	}
	r.verifyTime += time.Since(begin)
}

// mustIntegrityOK runs PRAGMA integrity_check on the SQLite database at path.
func mustIntegrityOK(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), "PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		got = append(got, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	if !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("PRAGMA integrity_check after the last SIGKILL: got %q, want ok", got)
	}
	t.Logf("PRAGMA integrity_check after the last SIGKILL: ok")
}

// crashOp is one write call of a client.
type crashOp struct {
	kind string // modify, add, delete, create or destroy
	key  string // the member account (modify, add, delete) or group ID (create, destroy)
	tag  int    // modify: the tag it writes
}

// crashClient is one writer and the ledger of what it was acknowledged. It is used by
// one goroutine at a time.
type crashClient struct {
	id    int
	owner string
	group string   // the client's own group, never destroyed
	fixed []string // members of group whose fields modify rewrites
	churn []string // accounts that add and delete move in and out of group
	rng   *mrand.Rand

	tag     int             // the last tag sent
	tags    map[string]int  // fixed member -> tag of its last acknowledged modify, 0 for none
	in      map[string]bool // churn account -> an acknowledged member of group
	live    []string        // groups created OK and not destroyed OK
	gone    []string        // groups destroyed OK
	created int             // groups asked for, numbering their IDs
	pending *crashOp        // the call whose answer the kill took, until verify settles it
	acked   map[string]int  // calls acknowledged OK, by kind
	errs    []string        // unexpected answers, reported by the test goroutine
}

func newCrashClient(id int, rng *mrand.Rand) *crashClient {
	cl := &crashClient{
		id: id, owner: fmt.Sprintf("c%d-own", id), group: fmt.Sprintf("crash-c%d", id), rng: rng,
		tags: map[string]int{}, in: map[string]bool{}, acked: map[string]int{},
	}
	for i := range crashFixed {
		cl.fixed = append(cl.fixed, fmt.Sprintf("c%d-f%d", id, i))
	}
	for i := range crashChurn {
		cl.churn = append(cl.churn, fmt.Sprintf("c%d-x%d", id, i))
	}
	return cl
}

// run makes calls one after another until killed is set. A call whose exchange fails
// (the kill) becomes the pending one and ends the run.
func (cl *crashClient) run(c *cluster, killed *atomic.Bool) {
	for !killed.Load() {
		op := cl.next()
		ok, err := cl.send(c, op)
		if err != nil {
			if !killed.Load() {
				cl.errs = append(cl.errs, fmt.Sprintf("%s %s with timd running: %v", op.kind, op.key, err))
			}
			cl.pending = &op
			return
		}
		if ok {
			cl.apply(op)
		}
	}
}

// next picks the next call: half modify, a quarter add or delete, a quarter create or
// destroy.
func (cl *crashClient) next() crashOp {
	switch x := cl.rng.IntN(4); {
	case x < 2:
		cl.tag++
		return crashOp{kind: "modify", key: cl.fixed[cl.rng.IntN(len(cl.fixed))], tag: cl.tag}
	case x == 2:
		a := cl.churn[cl.rng.IntN(len(cl.churn))]
		if cl.in[a] {
			return crashOp{kind: "delete", key: a}
		}
		return crashOp{kind: "add", key: a}
	}
	if len(cl.live) >= 2 && cl.rng.IntN(2) == 0 {
		return crashOp{kind: "destroy", key: cl.live[cl.rng.IntN(len(cl.live))]}
	}
	cl.created++
	return crashOp{kind: "create", key: fmt.Sprintf("crash-c%d-g%d", cl.id, cl.created)}
}

// crashFields are the values a modify with tag n sets, all four at once; tag 0 is a
// member never modified.
func crashFields(n int) memberView {
	v := memberView{MsgFlag: msgFlags[n%len(msgFlags)], Role: [...]string{"Member", "Admin"}[n%2], Data: map[string]string{}}
	if n > 0 {
		v.NameCard = "tag-" + strconv.Itoa(n)
		v.Data["F1"] = v.NameCard
	}
	return v
}

// crashTag returns the tag all four fields of v carry, or -1 if they disagree: a torn
// modify.
func crashTag(v memberView) int {
	n := 0
	if v.NameCard != "" {
		var err error
		if n, err = strconv.Atoi(strings.TrimPrefix(v.NameCard, "tag-")); err != nil || n <= 0 {
			return -1
		}
	}
	want := crashFields(n)
	if v.Role != want.Role || v.MsgFlag != want.MsgFlag || v.NameCard != want.NameCard ||
		len(v.Data) != len(want.Data) || v.Data["F1"] != want.Data["F1"] {
		return -1
	}
	return n
}

// send makes op's call. ok reports an acknowledgement; an answer other than the one
// the ledger predicts is recorded in cl.errs. err reports a failed exchange.
func (cl *crashClient) send(c *cluster, op crashOp) (ok bool, err error) {
	var req any
	var out struct {
		GroupId    string
		MemberList []struct{ Result int }
	}
	command := svcGroup
	switch op.kind {
	case "modify":
		f := crashFields(op.tag)
		command += "modify_group_member_info"
		req = map[string]any{"GroupId": cl.group, "Member_Account": op.key, "NameCard": f.NameCard,
			"MsgFlag": f.MsgFlag, "Role": f.Role, "AppMemberDefinedData": []map[string]string{{"Key": "F1", "Value": f.Data["F1"]}}}
	case "add":
		command += "add_group_member"
		req = map[string]any{"GroupId": cl.group, "MemberList": []map[string]string{{"Member_Account": op.key}}}
	case "delete":
		command += "delete_group_member"
		req = map[string]any{"GroupId": cl.group, "MemberToDel_Account": []string{op.key}}
	case "create":
		command += "create_group"
		req = map[string]any{"GroupId": op.key, "Owner_Account": cl.owner, "Type": "Public", "Name": op.key,
			"MemberList": []map[string]string{{"Member_Account": cl.fixed[0]}}}
	case "destroy":
		command += "destroy_group"
		req = map[string]any{"GroupId": op.key}
	}
	st, err := c.call(0, command, req, &out)
	if err != nil {
		return false, err
	}
	switch {
	case st.ErrorCode != 0:
		cl.errs = append(cl.errs, fmt.Sprintf("%s %s: got %d %s, want OK", op.kind, op.key, st.ErrorCode, st.ErrorInfo))
		return false, nil
	case op.kind == "add" && (len(out.MemberList) != 1 || out.MemberList[0].Result != 1):
		cl.errs = append(cl.errs, fmt.Sprintf("add %s: got MemberList %+v, want Result 1 (added)", op.key, out.MemberList))
	case op.kind == "create" && out.GroupId != op.key:
		cl.errs = append(cl.errs, fmt.Sprintf("create %s: got GroupId %q", op.key, out.GroupId))
	}
	return true, nil
}

// apply enters an acknowledged op in the ledger.
func (cl *crashClient) apply(op crashOp) {
	cl.acked[op.kind]++
	switch op.kind {
	case "modify":
		cl.tags[op.key] = op.tag
	case "add":
		cl.in[op.key] = true
	case "delete":
		cl.in[op.key] = false
	case "create":
		cl.live = append(cl.live, op.key)
	case "destroy":
		i := slices.Index(cl.live, op.key)
		cl.live = slices.Delete(cl.live, i, i+1)
		cl.gone = append(cl.gone, op.key)
	}
}

// crashCheck compares what the store shows with a client's ledger.
type crashCheck struct {
	pending  *crashOp
	landed   *bool // the pending call's fate, once seen
	problems []string
}

// see records what the store shows for key: isAck when it is the acknowledged value,
// isAfter when it is the value after the pending call (for the pending call's key). The
// pending call may or may not have landed; anything else is a lost or torn write.
func (k *crashCheck) see(key string, isAck, isAfter bool, format string, args ...any) {
	onPending := k.pending != nil && k.pending.key == key
	switch {
	case onPending && isAck != isAfter:
		k.landed = &isAfter
	case isAck:
	default:
		k.problems = append(k.problems, fmt.Sprintf(format, args...))
	}
}

// verify reads the client's keys from the store and checks them against the ledger. It
// settles the pending call, entering it in the ledger if it landed.
func (cl *crashClient) verify(c *cluster) (landed bool, problems []string) {
	k := &crashCheck{pending: cl.pending}
	cl.verifyMembers(c, k)
	cl.verifyGroups(c, k)
	if k.pending != nil && k.landed == nil && len(k.problems) == 0 {
		k.problems = append(k.problems, fmt.Sprintf("the %s of %s in flight at the kill: its outcome was not seen", k.pending.kind, k.pending.key))
	}
	if k.landed != nil && *k.landed {
		cl.apply(*k.pending)
		landed = true
	}
	cl.pending = nil
	return landed, k.problems
}

// verifyMembers checks the members of the client's group: the fields of each fixed
// member (one tag in all four, the acknowledged one) and which churn accounts are in.
func (cl *crashClient) verifyMembers(c *cluster, k *crashCheck) {
	views, n, err := c.members(0, cl.group)
	if err != nil {
		k.problems = append(k.problems, err.Error())
		return
	}
	p := cl.pending
	for _, a := range cl.fixed {
		v, ok := views[a]
		tag := crashTag(v)
		if !ok || tag < 0 {
			k.problems = append(k.problems, fmt.Sprintf("member %s: got %+v (present %v), want all four fields of one tag (a torn or lost write)", a, v, ok))
			continue
		}
		isAfter := p != nil && p.kind == "modify" && tag == p.tag
		k.see(a, tag == cl.tags[a], isAfter, "member %s: got tag %d, want the acknowledged %d (pending %+v)", a, tag, cl.tags[a], p)
	}
	for _, a := range cl.churn {
		_, got := views[a]
		k.see(a, got == cl.in[a], p != nil && got == (p.kind == "add"),
			"account %s: got member %v, want %v as acknowledged (pending %+v)", a, got, cl.in[a], p)
	}
	if views[cl.owner].Role != "Owner" {
		k.problems = append(k.problems, fmt.Sprintf("owner %s: got %+v, want Role Owner", cl.owner, views[cl.owner]))
	}
	if n != len(views) {
		k.problems = append(k.problems, fmt.Sprintf("group %s: MemberNum %d, but %d members listed", cl.group, n, len(views)))
	}
}

// verifyGroups checks that the groups created OK exist, with their owner and two
// members, and the groups destroyed OK do not.
func (cl *crashClient) verifyGroups(c *cluster, k *crashCheck) {
	ids := slices.Concat(cl.live, cl.gone)
	if p := cl.pending; p != nil && p.kind == "create" {
		ids = append(ids, p.key)
	}
	liveSet := map[string]bool{}
	for _, id := range cl.live {
		liveSet[id] = true
	}
	for chunk := range slices.Chunk(ids, 50) {
		infos, err := c.groupInfos(0, chunk...)
		if err != nil {
			k.problems = append(k.problems, err.Error())
			return
		}
		for _, g := range infos {
			exists := g.ErrorCode == 0
			if !exists && g.ErrorCode != 10010 {
				k.problems = append(k.problems, fmt.Sprintf("get_group_info %s: got ErrorCode %d, want 0 or 10010", g.GroupId, g.ErrorCode))
			}
			if exists && (g.Owner_Account != cl.owner || g.MemberNum != 2) {
				k.problems = append(k.problems, fmt.Sprintf("group %s: got owner %q and %d members, want %q and 2", g.GroupId, g.Owner_Account, g.MemberNum, cl.owner))
			}
			p := cl.pending
			isAfter := p != nil && exists == (p.kind == "create")
			k.see(g.GroupId, exists == liveSet[g.GroupId], isAfter,
				"group %s: got exists %v, want %v as acknowledged (pending %+v)", g.GroupId, exists, liveSet[g.GroupId], p)
		}
	}
}

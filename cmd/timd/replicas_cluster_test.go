package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/usersig"
)

// The harness of TestReplicas: timd processes on one PostgreSQL schema, and signed calls
// to any of them.

// svcGroup prefixes the group commands.
const svcGroup = "group_open_http_svc/"

// cluster is a set of timd replicas serving one PostgreSQL schema.
type cluster struct {
	procs  []*timd
	sig    string // the admin's UserSig, good on every replica
	key    string // the app's secret key, to sign for other users
	client *http.Client
	ctx    context.Context // bounds every call of the test, whatever hangs
}

// startCluster creates a fresh schema in the database dsn names and starts n timd
// processes on it together, each on a data directory and loopback port of its own, with
// one secret key, member custom fields F1, F2 and F3, and rate limits off. Calls to them
// fail after a minute in all. When the test ends the processes are killed and then the
// schema is dropped.
func startCluster(t *testing.T, dsn string, n int) *cluster {
	t.Helper()
	bin := mustBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	schemaDSN, drop, err := postgres.NewTestSchema(ctx, dsn)
	if err != nil {
		t.Fatalf("NewTestSchema: %v", err)
	}
	// Registered before the processes' own cleanups, so it runs after them.
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop the test schema: %v", err)
		}
	})
	var b [32]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	cfgPath := filepath.Join(t.TempDir(), "timd.json")
	cfgFile := fmt.Sprintf(`{"apps":[{"sdkappid":%s,"rate_limits":{"default":0},"messages":{"send_rate":0}}]}`, devSDKAppID)
	if err := os.WriteFile(cfgPath, []byte(cfgFile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"TIMD_POSTGRES_DSN=" + schemaDSN, "TIMD_SECRET_KEY=" + key, "TIMD_CONFIG=" + cfgPath,
		"TIMD_MEMBER_FIELDS=F1,F2,F3",
		// Three pools share the server's connections with the other tests' stores.
		"TIMD_POSTGRES_MAX_CONNS=8",
	}
	c := &cluster{
		procs:  make([]*timd, n),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
	}
	t.Cleanup(c.client.CloseIdleConnections)
	var stop context.CancelFunc
	c.ctx, stop = context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(stop)
	// All start before any is waited for: they migrate the empty schema at once, under
	// the advisory lock.
	for i := range c.procs {
		c.procs[i] = spawnReplica(t, bin, env)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, p := range c.procs {
				t.Logf("replica %d (%s), the end of its log:\n%s", i, p.addr, lastLines(p.log.String(), 20))
			}
		}
	})
	for _, p := range c.procs {
		p.mustListen(t)
	}
	sdkappid, _ := strconv.ParseUint(devSDKAppID, 10, 64)
	c.sig, c.key = usersig.Mint(sdkappid, devAdmin, key, 86400, time.Now()), key
	return c
}

// spawnReplica starts timd with env on a data directory of its own and a free loopback
// port, without waiting for it; it kills the process when the test ends.
func spawnReplica(tb testing.TB, bin string, env []string) *timd {
	tb.Helper()
	p := &timd{log: &logWriter{firstLine: make(chan string, 1)}, done: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = environ(append([]string{"TIMD_DATA=" + tb.TempDir(), "TIMD_LISTEN=127.0.0.1:0"}, env...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start timd: %v", err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.done) }()
	tb.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// mustListen waits for p's first log line, takes its address from it, and waits until
// /healthz answers.
func (p *timd) mustListen(tb testing.TB) {
	tb.Helper()
	select {
	case p.firstLine = <-p.log.firstLine:
	case <-p.done:
		tb.Fatalf("timd exited before logging: %v\n%s", p.waitErr, p.log)
	case <-time.After(15 * time.Second):
		tb.Fatalf("timd logged nothing in 15s\n%s", p.log)
	}
	var first struct{ Addr string }
	if err := json.Unmarshal([]byte(p.firstLine), &first); err != nil || first.Addr == "" {
		tb.Fatalf("first log line: got %s, want a JSON line with the addr", p.firstLine)
	}
	p.addr = first.Addr
	p.mustHealthy(tb)
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "")
}

// status is the envelope of an answer.
type status struct {
	ActionStatus string
	ErrorInfo    string
	ErrorCode    int
}

// call posts req as JSON to /v4/{command} of replica i, signed as the admin, and decodes
// the answer into out (when not nil). The error reports a failed exchange or an answer
// that is not JSON; the answer's own ErrorCode is in the status.
func (c *cluster) call(i int, command string, req, out any) (status, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return status{}, err
	}
	u := fmt.Sprintf("http://%s/v4/%s?sdkappid=%s&identifier=%s&usersig=%s&random=%d&contenttype=json",
		c.procs[i].addr, command, devSDKAppID, devAdmin, url.QueryEscape(c.sig), mrand.Uint32())
	hreq, err := http.NewRequestWithContext(c.ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return status{}, err
	}
	resp, err := c.client.Do(hreq)
	if err != nil {
		return status{}, fmt.Errorf("%s on replica %d: %w", command, i, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return status{}, fmt.Errorf("%s on replica %d: %w", command, i, err)
	}
	var st status
	if err := json.Unmarshal(raw, &st); err != nil {
		return status{}, fmt.Errorf("%s on replica %d: answer is not JSON: %v: %s", command, i, err, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return st, fmt.Errorf("%s on replica %d: answer: %v: %s", command, i, err, raw)
		}
	}
	return st, nil
}

// mustCall is call that fails the test unless the answer is OK.
func (c *cluster) mustCall(t *testing.T, i int, command string, req, out any) {
	t.Helper()
	st, err := c.call(i, command, req, out)
	if err != nil {
		t.Fatal(err)
	}
	if st.ErrorCode != 0 {
		t.Fatalf("%s on replica %d: got %d %s, want OK", command, i, st.ErrorCode, st.ErrorInfo)
	}
}

// mustImport imports the accounts, 100 a call.
func (c *cluster) mustImport(t *testing.T, accounts ...string) {
	t.Helper()
	for len(accounts) > 0 {
		n := min(len(accounts), 100)
		var out struct{ FailAccounts []string }
		c.mustCall(t, 0, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": accounts[:n]}, &out)
		if len(out.FailAccounts) > 0 {
			t.Fatalf("multiaccount_import: got FailAccounts %v, want none", out.FailAccounts)
		}
		accounts = accounts[n:]
	}
}

// mustCreate creates a group of type typ with owner and members and returns its ID.
// extra adds fields to the request.
func (c *cluster) mustCreate(t *testing.T, typ, owner string, members []string, extra map[string]any) string {
	t.Helper()
	list := make([]map[string]string, len(members))
	for i, m := range members {
		list[i] = map[string]string{"Member_Account": m}
	}
	req := map[string]any{"Type": typ, "Name": "replicas", "Owner_Account": owner, "MemberList": list}
	for k, v := range extra {
		req[k] = v
	}
	var out struct{ GroupId string }
	c.mustCall(t, 0, svcGroup+"create_group", req, &out)
	return out.GroupId
}

// groupInfo is the part of a get_group_info entry these tests read.
type groupInfo struct {
	GroupId       string
	ErrorCode     int
	Owner_Account string
	MemberNum     int
	MaxMemberNum  int
}

// groupInfos answers get_group_info for ids from replica i.
func (c *cluster) groupInfos(i int, ids ...string) ([]groupInfo, error) {
	var out struct{ GroupInfo []groupInfo }
	st, err := c.call(i, svcGroup+"get_group_info", map[string]any{"GroupIdList": ids}, &out)
	if err == nil && st.ErrorCode != 0 {
		err = fmt.Errorf("get_group_info on replica %d: got %d %s, want OK", i, st.ErrorCode, st.ErrorInfo)
	}
	if err == nil && len(out.GroupInfo) != len(ids) {
		err = fmt.Errorf("get_group_info on replica %d: got %d groups, want %d", i, len(out.GroupInfo), len(ids))
	}
	return out.GroupInfo, err
}

// mustGroupInfo answers get_group_info for one group from replica i.
func (c *cluster) mustGroupInfo(t *testing.T, i int, id string) groupInfo {
	t.Helper()
	infos, err := c.groupInfos(i, id)
	if err != nil {
		t.Fatal(err)
	}
	if infos[0].ErrorCode != 0 {
		t.Fatalf("get_group_info %s on replica %d: got ErrorCode %d, want 0", id, i, infos[0].ErrorCode)
	}
	return infos[0]
}

// memberView is a member as get_group_member_info shows it, custom fields by key.
type memberView struct {
	Role, NameCard, MsgFlag string
	MuteUntil               int64
	Data                    map[string]string
}

// members answers get_group_member_info for every member of group from replica i.
func (c *cluster) members(i int, group string) (map[string]memberView, int, error) {
	var out struct {
		MemberNum  int
		MemberList []struct {
			Member_Account, Role, NameCard, MsgFlag string
			MuteUntil                               int64
			AppMemberDefinedData                    []struct{ Key, Value string }
		}
	}
	st, err := c.call(i, svcGroup+"get_group_member_info", map[string]any{"GroupId": group}, &out)
	if err == nil && st.ErrorCode != 0 {
		err = fmt.Errorf("get_group_member_info on replica %d: got %d %s, want OK", i, st.ErrorCode, st.ErrorInfo)
	}
	if err != nil {
		return nil, 0, err
	}
	views := make(map[string]memberView, len(out.MemberList))
	for _, m := range out.MemberList {
		v := memberView{Role: m.Role, NameCard: m.NameCard, MsgFlag: m.MsgFlag, MuteUntil: m.MuteUntil, Data: map[string]string{}}
		for _, kv := range m.AppMemberDefinedData {
			v.Data[kv.Key] = kv.Value
		}
		views[m.Member_Account] = v
	}
	return views, out.MemberNum, nil
}

// mustMembers is members that fails the test on an error.
func (c *cluster) mustMembers(t *testing.T, i int, group string) (map[string]memberView, int) {
	t.Helper()
	views, n, err := c.members(i, group)
	if err != nil {
		t.Fatal(err)
	}
	return views, n
}

package main

import (
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestCrashOtherWrites is the crash test of the write paths that TestCrash and
// TestCrashSend do not drive: group attributes, group counters, profiles and the
// account-wide mute. Each client owns one key of each kind (its own attribute and counter
// keys in its own group, its own account) and sets it to ever larger values, one call at
// a time; after every SIGKILL and restart each key must read back as the value last
// acknowledged or as the one of the call the kill cut off, nothing else.
func TestCrashOtherWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills timd under load; skipped under -short")
	}
	const clients, kills = 4, 5
	c, start := soloCluster(t, `"rate_limits":{"default":0},"limits":{"group_attr_write_rate":0}`, clients)
	owners := make([]*otherWriter, clients)
	for i := range owners {
		owners[i] = &otherWriter{account: fmt.Sprintf("w%d", i), group: fmt.Sprintf("crashkv%d", i), acked: map[string]int64{}}
		c.mustImport(t, owners[i].account)
		c.mustCreate(t, "Public", owners[i].account, nil, map[string]any{"GroupId": owners[i].group})
	}
	calls := 0
	for k := range kills {
		var stop atomic.Bool
		var wg sync.WaitGroup
		for _, w := range owners {
			wg.Go(func() { w.run(t, c, &stop) })
		}
		time.Sleep(time.Duration(200+mrand.IntN(600)) * time.Millisecond)
		p := c.procs[0]
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("SIGKILL: %v", err)
		}
		<-p.done
		stop.Store(true)
		wg.Wait()
		c.client.CloseIdleConnections()
		start()
		for _, w := range owners {
			calls += w.verify(t, c, k)
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d kills, %d writes acknowledged, every key as acknowledged or as its cut-off call left it", kills, calls)
}

// otherWriter is one client of TestCrashOtherWrites and its ledger: per kind, the value
// last acknowledged and the value of the call in doubt (0: none).
type otherWriter struct {
	account, group string
	next           int64
	acked          map[string]int64
	pending        map[string]int64
	n              int
}

// otherKinds are the kinds of write, in the order a writer cycles through them.
var otherKinds = []string{"attr", "counter", "nick", "nospeaking"}

// run writes until stop is set or a call's exchange fails (the kill).
func (w *otherWriter) run(t *testing.T, c *cluster, stop *atomic.Bool) {
	w.pending = map[string]int64{}
	for i := 0; !stop.Load(); i++ {
		kind := otherKinds[i%len(otherKinds)]
		w.next++
		v := w.next
		st, err := c.call(0, w.command(kind), w.request(kind, v), nil)
		if err != nil {
			w.pending[kind] = v
			return
		}
		if st.ErrorCode != 0 {
			t.Errorf("%s %s = %d: got %d %s, want OK", w.account, kind, v, st.ErrorCode, st.ErrorInfo)
			return
		}
		w.acked[kind] = v
		w.n++
	}
}

func (w *otherWriter) command(kind string) string {
	switch kind {
	case "attr":
		return "group_open_http_svc/modify_group_attr"
	case "counter":
		return "group_open_http_svc/update_group_counter"
	case "nick":
		return "profile/portrait_set"
	}
	return "openconfigsvr/setnospeaking"
}

// request is the call that sets kind to v. The account-wide mute is set to a million
// seconds times norm(v), so that the seconds left, which getnospeaking answers, still
// tell the values apart.
func (w *otherWriter) request(kind string, v int64) map[string]any {
	switch kind {
	case "attr":
		return map[string]any{"GroupId": w.group, "GroupAttr": []map[string]string{{"key": "k", "value": strconv.FormatInt(v, 10)}}}
	case "counter":
		return map[string]any{"GroupId": w.group, "Mode": "Set", "GroupCounter": []map[string]any{{"Key": "k", "Value": v}}}
	case "nick":
		return map[string]any{"From_Account": w.account, "ProfileItem": []map[string]any{{"Tag": "Tag_Profile_IM_Nick", "Value": strconv.FormatInt(v, 10)}}}
	}
	return map[string]any{"Set_Account": w.account, "GroupmsgNospeakingTime": norm(kind, v) * 1_000_000}
}

// norm is the value kind reads back after a write of v: v, but for the account-wide
// mute, which cycles through 1 to 2000 (now plus 2,000,000,000 seconds is still before the
// end that means forever).
func norm(kind string, v int64) int64 {
	if kind != "nospeaking" || v == 0 {
		return v
	}
	return v%2000 + 1
}

// verify reads every kind back after the kill's restart and settles the call in doubt;
// it returns the writes acknowledged since the last verify.
func (w *otherWriter) verify(t *testing.T, c *cluster, kill int) int {
	t.Helper()
	for _, kind := range otherKinds {
		got := w.read(t, c, kind)
		acked, pending := w.acked[kind], w.pending[kind]
		switch {
		case got == norm(kind, acked):
		case pending != 0 && got == norm(kind, pending):
			w.acked[kind] = pending // the cut-off call landed
		default:
			t.Errorf("kill %d: %s's %s reads %d, want %d (acknowledged) or %d (in doubt)", kill, w.account, kind, got, acked, pending)
		}
	}
	n := w.n
	w.n = 0
	return n
}

// read returns the value of kind as the server reads it now, 0 when unset.
func (w *otherWriter) read(t *testing.T, c *cluster, kind string) int64 {
	t.Helper()
	switch kind {
	case "attr":
		var a struct{ GroupAttrAry []struct{ Key, Value string } }
		c.mustCall(t, 0, "group_open_attr_http_svc/get_group_attr", map[string]any{"GroupId": w.group}, &a)
		if len(a.GroupAttrAry) == 0 {
			return 0
		}
		return mustInt(t, a.GroupAttrAry[0].Value)
	case "counter":
		var a struct{ GroupCounter []struct{ Value int64 } }
		c.mustCall(t, 0, "group_open_http_svc/get_group_counter", map[string]any{"GroupId": w.group}, &a)
		if len(a.GroupCounter) == 0 {
			return 0
		}
		return a.GroupCounter[0].Value
	case "nick":
		var a struct {
			UserProfileItem []struct{ ProfileItem []struct{ Value string } }
		}
		c.mustCall(t, 0, "profile/portrait_get", map[string]any{"To_Account": []string{w.account}, "TagList": []string{"Tag_Profile_IM_Nick"}}, &a)
		if len(a.UserProfileItem) != 1 || len(a.UserProfileItem[0].ProfileItem) != 1 || a.UserProfileItem[0].ProfileItem[0].Value == "" {
			return 0
		}
		return mustInt(t, a.UserProfileItem[0].ProfileItem[0].Value)
	}
	var a struct{ GroupmsgNospeakingTime int64 }
	c.mustCall(t, 0, "openconfigsvr/getnospeaking", map[string]any{"Get_Account": w.account}, &a)
	// Seconds left: round up to the million set (the test runs for well under 11 days).
	return (a.GroupmsgNospeakingTime + 999_999) / 1_000_000
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("value %q is not one a writer set: %v", s, err)
	}
	return n
}

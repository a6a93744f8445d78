package httpapi_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
	"github.com/timdhq/timd/timtest"
)

// Attacks on authentication, on the rate limits and on secrets. TestUserSig
// (usersig_test.go) covers the decoding failures and the order of the checks; these
// cases are the forgeries.

// sigDoc returns a UserSig of the given fields carrying mac as its TLS.sig, whatever the
// fields: a forgery when mac was computed over other fields, or by another key.
func sigDoc(tb testing.TB, identifier string, sdkappid uint64, issued, expire int64, mac string) string {
	tb.Helper()
	return docSig(tb, fmt.Sprintf(`{"TLS.ver":"2.0","TLS.identifier":%q,"TLS.sdkappid":%d,"TLS.expire":%d,"TLS.time":%d,"TLS.sig":%q}`,
		identifier, sdkappid, expire, issued, mac))
}

func TestUserSigForged(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
		unlimited(c)
		withSecondApp(c)
	}})
	app, admin, key := s.SDKAppID(), s.Admin(), s.SecretKey()
	now := s.Now().Unix()
	hourAgo, dayAgo := now-3600, now-86400
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	tests := []struct {
		name       string
		sdkappid   uint64 // default: the first app
		identifier string // default: the admin
		sig        string
		code       im.Code
	}{
		{name: "random HMAC", code: im.CodeSigBad,
			sig: sigDoc(t, admin, app, now, 86400, base64.StdEncoding.EncodeToString(random))},
		{name: "HMAC of no key", code: im.CodeSigBad,
			sig: sigDoc(t, admin, app, now, 86400, sigHMAC("", admin, app, now, 86400, nil))},
		{name: "HMAC keyed by the sdkappid", code: im.CodeSigBad,
			sig: sigDoc(t, admin, app, now, 86400, sigHMAC(fmt.Sprint(app), admin, app, now, 86400, nil))},
		// Each signed field changed after signing, the original TLS.sig kept.
		{name: "identifier changed to the admin", code: im.CodeSigBad,
			sig: sigDoc(t, admin, app, now, 86400, sigHMAC(key, "alice", app, now, 86400, nil))},
		{name: "sdkappid changed to this app", code: im.CodeSigBad,
			sig: sigDoc(t, admin, app, now, 86400, sigHMAC(key, admin, secondApp.id, now, 86400, nil))},
		{name: "time moved on, reviving an expired sig", code: im.CodeSigBad,
			sig: sigDoc(t, admin, app, now, 60, sigHMAC(key, admin, app, dayAgo, 60, nil))},
		{name: "expire extended, reviving an expired sig", code: im.CodeSigBad,
			sig: sigDoc(t, admin, app, hourAgo, 86400, sigHMAC(key, admin, app, hourAgo, 60, nil))},
		{name: "expired, correctly signed", code: im.CodeSigExpired,
			sig: sigDoc(t, admin, app, hourAgo, 60, sigHMAC(key, admin, app, hourAgo, 60, nil))},
		{name: "the other app's key", code: im.CodeSigBad, sig: usersig.Mint(app, admin, secondApp.key, 86400, s.Now())},
		{name: "the other app's admin's sig, for this app", code: im.CodeSigSDKAppID,
			identifier: secondApp.admin, sig: usersig.Mint(secondApp.id, secondApp.admin, secondApp.key, 86400, s.Now())},
		{name: "this app's admin's sig, for the other app", code: im.CodeSigSDKAppID, sdkappid: secondApp.id,
			sig: usersig.Mint(app, admin, key, 86400, s.Now())},
		{name: "the other app's admin, signed by this app", code: im.CodeNotAdmin, identifier: secondApp.admin,
			sig: usersig.Mint(app, secondApp.admin, key, 86400, s.Now())},
		{name: "this app's admin, signed by the other app", code: im.CodeNotAdmin, sdkappid: secondApp.id,
			sig: usersig.Mint(secondApp.id, admin, secondApp.key, 86400, s.Now())},
		{name: "the admin in another case", code: im.CodeNotAdmin, identifier: strings.ToUpper(admin[:1]) + admin[1:],
			sig: usersig.Mint(app, strings.ToUpper(admin[:1])+admin[1:], key, 86400, s.Now())},
		{name: "the admin with a NUL appended", code: im.CodeNotAdmin, identifier: admin + "\x00",
			sig: usersig.Mint(app, admin+"\x00", key, 86400, s.Now())},
		{name: "the admin with a space appended", code: im.CodeNotAdmin, identifier: admin + " ",
			sig: usersig.Mint(app, admin+" ", key, 86400, s.Now())},
		{name: "the genuine sig", code: im.CodeOK, sig: usersig.Mint(app, admin, key, 86400, s.Now())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdkappid, id := tt.sdkappid, tt.identifier
			if sdkappid == 0 {
				sdkappid = app
			}
			if id == "" {
				id = admin
			}
			r := callAs(t, s, sdkappid, url.QueryEscape(id), tt.sig)
			wantAnswer(t, r, http.StatusOK, tt.code)
		})
	}
}

// TestRateLimitFloodSparesOtherApps floods one app's account_check far over its limit
// from many goroutines while another app calls the same command: the flooded app gets
// 60007, and the other app's calls all succeed, about as fast as without the flood.
func TestRateLimitFloodSparesOtherApps(t *testing.T) {
	const rate = 5
	s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
		withSecondApp(c)
		c.Apps[0].RateLimits.Commands["account_check"] = rate
		c.Apps[1].RateLimits = config.RateLimits{}
	}})
	flooded := accountCheck + "?" + s.Query(s.Admin())
	other := accountCheck + "?" + secondAppQuery(s)
	calm := latencies(t, s, other, 30)

	var (
		stop           atomic.Bool
		ok, limited, n atomic.Int64
		wg             sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				code, err := postCode(s, flooded, checkU1)
				n.Add(1)
				switch {
				case err != nil:
					t.Errorf("flooded app: %v", err)
					return
				case code == 0:
					ok.Add(1)
				case code == int(im.CodeRateLimited):
					limited.Add(1)
				default:
					t.Errorf("flooded app: ErrorCode %d, want 0 or 60007", code)
				}
			}
		})
	}
	began := time.Now()
	time.Sleep(50 * time.Millisecond) // let the flood fill the server
	stormy := latencies(t, s, other, 100)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(began)

	if limited.Load() == 0 {
		t.Errorf("flooded app: no 60007 in %d calls over %v", n.Load(), elapsed)
	}
	if most := int64(rate+rate*elapsed.Seconds()) + 1; ok.Load() > most {
		t.Errorf("flooded app: %d calls OK in %v, want at most %d at %d/s", ok.Load(), elapsed, most, rate)
	}
	// The flood shares the machine's two cores with the other app's calls, so those may
	// slow down some; what must not happen is waiting on the flooded app's limiter.
	calmMedian, stormyMedian := median(calm), median(stormy)
	t.Logf("other app: median %v alone, %v during a flood of %d calls (%d OK, %d refused) over %v",
		calmMedian, stormyMedian, n.Load(), ok.Load(), limited.Load(), elapsed)
	if stormyMedian > 20*calmMedian+100*time.Millisecond {
		t.Errorf("other app's median latency: %v during the flood, %v without: want no waiting on another app's limit", stormyMedian, calmMedian)
	}
}

// latencies makes n sequential calls of account_check to target, each of which must
// succeed, and returns how long each took.
func latencies(tb testing.TB, s *timtest.Server, target string, n int) []time.Duration {
	tb.Helper()
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		r := MustPost(tb, s, target, checkU1)
		out[i] = time.Since(start)
		if r.Env.ErrorCode != 0 {
			tb.Fatalf("call %d of the app not flooded: ErrorCode %d (%s), want 0", i, r.Env.ErrorCode, r.Env.ErrorInfo)
		}
	}
	return out
}

// postCode posts body to target and returns the answer's ErrorCode; it may run on any
// goroutine.
func postCode(s *timtest.Server, target, body string) (int, error) {
	resp, err := s.Client().Post(s.URL+target, "", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var env struct{ ErrorCode int }
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return 0, fmt.Errorf("answer: %w", err)
	}
	return env.ErrorCode, nil
}

// median returns the median of ds.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestSecretsNeverLogged runs a server logging at debug level, with callbacks signed by a
// token, and makes good and bad calls of every kind: no secret key, webhook token or
// UserSig may appear in the log, in any ErrorInfo, or in what the callback receiver is
// sent.
func TestSecretsNeverLogged(t *testing.T) {
	token, keyA := randomHex(t, "token-"), randomHex(t, "key-a-")
	var (
		mu       sync.Mutex
		received []string
		calls    atomic.Int64
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, r.URL.String()+"\n"+string(body))
		mu.Unlock()
		if calls.Add(1)%3 == 0 {
			http.Error(w, "try again", http.StatusInternalServerError) // retries get logged
			return
		}
		_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`)
	}))
	defer receiver.Close()

	log := &lockedBuffer{}
	s := timtest.NewServer(t, &timtest.Options{
		SecretKey: keyA,
		Logger:    slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Configure: func(c *config.Config) {
			unlimited(c)
			withSecondApp(c)
			c.Apps[0].Callback.URL, c.Apps[0].Callback.Token = receiver.URL, token
			c.Apps[0].Callback.RetryMin, c.Apps[0].Callback.RetryMax = 10*time.Millisecond, 50*time.Millisecond
		},
	})
	app, admin, now := s.SDKAppID(), s.Admin(), s.Now()
	good := usersig.Mint(app, admin, keyA, 86400, now)
	sigs := map[string]string{
		"good":               good,
		"other app's":        usersig.Mint(secondApp.id, secondApp.admin, secondApp.key, 86400, now),
		"wrong key":          usersig.Mint(app, admin, secondApp.key, 86400, now),
		"expired":            usersig.Mint(app, admin, keyA, 10, now.Add(-time.Hour)),
		"another identifier": usersig.Mint(app, "alice", keyA, 86400, now),
		"forged":             sigDoc(t, admin, app, now.Unix(), 86400, sigHMAC(keyA, "alice", app, now.Unix(), 86400, nil)),
		"truncated":          good[:len(good)/2],
		"the key itself":     keyA,
		"the token":          token,
	}
	secrets := map[string]string{"app A's key": keyA, "app B's key": secondApp.key, "webhook token": token}
	for name, sig := range sigs {
		secrets["usersig "+name] = sig
	}

	query := func(sig string) string {
		return fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", app, admin, url.QueryEscape(sig))
	}
	var infos []string
	post := func(path, q, body string) {
		r := MustPost(t, s, path+"?"+q, body)
		infos = append(infos, r.Env.ErrorInfo)
	}
	const grp = "/v4/group_open_http_svc/"
	for _, sig := range sigs {
		post(accountCheck, query(sig), checkU1)
	}
	post(accountImport, query(good), `{"UserID":"owner"}`)
	post(accountImport, query(good), `{"UserID":"m1"}`)
	post(grp+"create_group", query(good), `{"GroupId":"g1","Type":"Public","Name":"g","Owner_Account":"owner","Colour":"red"}`)
	post(grp+"add_group_member", query(good), `{"GroupId":"g1","MemberList":[{"Member_Account":"m1"}]}`)
	post(grp+"modify_group_member_info", query(good), `{"GroupId":"g1","Member_Account":"m1","NameCard":"c","MuteTime":60}`)
	post(grp+"modify_group_member_info", query(good), `{"GroupId":"g1","Member_Account":"m1","MuteTime":-1}`)
	post(grp+"destroy_group", query(good), `{"GroupId":"g1"}`)
	post(grp+"get_group_info", query(good), `not json `+keyA)
	post(grp+"get_group_info", query(good), `{"GroupIdList":`+keyA+`}`)
	post(grp+"get_group_info", query(good), `{"GroupIdList":["g1"],"Pad":"`+strings.Repeat("x", bodyMax)+`"}`)
	post(grp+"no_such_command", query(good), `{}`)
	post(accountCheck, query(good)+"&random="+keyA, checkU1)
	post(accountCheck, fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s", secondApp.id, admin, url.QueryEscape(good)), checkU1)
	post(accountCheck, fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s", app, "alice", url.QueryEscape(good)), checkU1)
	r := MustSend(t, s, MustRequest(t, s, http.MethodGet, accountCheck+"?"+query(good), checkU1))
	infos = append(infos, r.Env.ErrorInfo)

	// Six callbacks (before and after create_group and add_group_member, after the modify
	// and the destroy), every third attempt refused and the after-callbacks retried.
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() < 7 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if calls.Load() < 7 {
		t.Fatalf("the callback receiver got %d calls, want 6 callbacks and a retry", calls.Load())
	}
	mu.Lock()
	sent := strings.Join(received, "\n")
	mu.Unlock()
	logged := log.String()
	for _, line := range []string{`"msg":"request"`, `"ignored_fields":"Colour"`, `"err":"callback `} {
		if !strings.Contains(logged, line) {
			t.Fatalf("log: got no %s line, want one:\n%s", line, logged)
		}
	}
	for name, secret := range secrets {
		if strings.Contains(logged, secret) {
			t.Errorf("the log contains the %s", name)
		}
		if strings.Contains(sent, secret) {
			t.Errorf("a callback carries the %s", name)
		}
		for _, info := range infos {
			if strings.Contains(info, secret) {
				t.Errorf("ErrorInfo %q contains the %s", info, name)
			}
		}
	}
}

// randomHex returns prefix and 32 random hex digits.
func randomHex(tb testing.TB, prefix string) string {
	tb.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// lockedBuffer is a strings.Builder safe for a logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

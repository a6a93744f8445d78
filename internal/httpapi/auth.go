package httpapi

import (
	"errors"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
)

// App is one app as the HTTP layer serves it.
type App struct {
	*im.App
	SecretKey string
	// Strict refuses requests that Tencent would accept but may misread (strict.go);
	// default false.
	Strict bool
}

// authenticate checks the query of a REST call in the order of docs/compatibility.md §1 and §2
// and returns the caller, an app admin, or a coded error.
func (a *API) authenticate(q url.Values) (*App, string, error) {
	app, id, _, err := a.authenticateUser(q)
	if err != nil {
		return nil, "", err
	}
	if !app.IsAdmin(id) {
		return nil, "", im.Errorf(im.CodeNotAdmin, "identifier %q is not an app admin", id)
	}
	return app, id, nil
}

// authenticateUser checks the query as authenticate does, but lets any account in:
// identifier is the user its usersig was signed for. It returns the unix second the
// usersig was issued at, too.
func (a *API) authenticateUser(q url.Values) (*App, string, int64, error) {
	appID, err := strconv.ParseUint(q.Get("sdkappid"), 10, 64)
	if err != nil {
		return nil, "", 0, im.Errorf(im.CodeNoSDKAppID, "sdkappid is missing or not an integer")
	}
	app := a.apps[appID]
	if app == nil {
		return nil, "", 0, im.Errorf(im.CodeUnknownApp, "sdkappid %d is not served here", appID)
	}
	id := q.Get("identifier")
	if id == "" {
		return nil, "", 0, im.Errorf(im.CodeNoIdentifier, "identifier is missing")
	}
	sig := q.Get("usersig")
	if sig == "" {
		return nil, "", 0, im.Errorf(im.CodeSigEmpty, "usersig is missing or empty")
	}
	if err := checkURLParams(q); err != nil {
		return nil, "", 0, err
	}
	issued, err := a.sigs.verify(app, id, sig, a.clock.Now())
	if err != nil {
		return nil, "", 0, err
	}
	return app, id, issued, nil
}

// checkURLParams checks random and contenttype: both may be absent (some real clients
// omit them), but when present they must be well-formed.
func checkURLParams(q url.Values) error {
	if r, ok := q["random"]; ok {
		if _, err := strconv.ParseUint(r[0], 10, 32); err != nil {
			return im.Errorf(im.CodeBadURL, "random must be a decimal number from 0 to 4294967295")
		}
	}
	if ct, ok := q["contenttype"]; ok && ct[0] != "json" {
		return im.Errorf(im.CodeBadURL, "contenttype must be json")
	}
	return nil
}

// sigCache remembers UserSigs that verified, until they expire, so a client that signs
// once and calls many times pays for inflate and HMAC once. Only successes are cached:
// a failure is recomputed every time, so the cache cannot pin an error.
type sigCache struct {
	mu      sync.Mutex
	entries map[sigKey]sigTimes
	max     int
}

// sigTimes are the unix seconds a sig was issued at and after which it has expired.
type sigTimes struct{ issued, expires int64 }

type sigKey struct {
	app        uint64
	identifier string
	sig        string
}

func newSigCache(max int) *sigCache {
	return &sigCache{entries: make(map[sigKey]sigTimes), max: max}
}

// verify checks sig for app and identifier at now, from the cache when it can, and
// returns the unix second it was issued at.
func (c *sigCache) verify(app *App, identifier, sig string, now time.Time) (int64, error) {
	k := sigKey{app.SDKAppID, identifier, sig}
	c.mu.Lock()
	t, ok := c.entries[k]
	c.mu.Unlock()
	if ok && now.Unix() <= t.expires {
		return t.issued, nil
	}
	s, err := usersig.Verify(sig, app.SDKAppID, identifier, app.SecretKey, now)
	if err != nil {
		return 0, sigError(err)
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		clear(c.entries) // crude but bounded; a full cache refills from hot signatures
	}
	c.entries[k] = sigTimes{issued: s.Time, expires: s.Time + s.Expire}
	c.mu.Unlock()
	return s.Time, nil
}

// sigError maps a usersig failure to its code (docs/compatibility.md §2).
func sigError(err error) error {
	codes := []struct {
		target error
		code   im.Code
	}{
		{usersig.ErrEmpty, im.CodeSigEmpty},
		{usersig.ErrMalformed, im.CodeSigMalformed},
		{usersig.ErrSDKAppIDMismatch, im.CodeSigSDKAppID},
		{usersig.ErrIdentifierMismatch, im.CodeSigIdentifier},
		{usersig.ErrExpired, im.CodeSigExpired},
		{usersig.ErrBadSignature, im.CodeSigBad},
	}
	for _, c := range codes {
		if errors.Is(err, c.target) {
			return &im.Error{Code: c.code, Info: err.Error()}
		}
	}
	return &im.Error{Code: im.CodeSigMalformed, Info: "usersig could not be verified", Err: err}
}

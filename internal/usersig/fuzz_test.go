package usersig_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/usersig"
)

// sentinels lists every failure reason, in check order.
var sentinels = []error{
	usersig.ErrEmpty, usersig.ErrMalformed, usersig.ErrSDKAppIDMismatch,
	usersig.ErrIdentifierMismatch, usersig.ErrExpired, usersig.ErrBadSignature,
}

// FuzzVerify checks that Verify never panics, that every error carries
// exactly one sentinel, that Decode and Check agree with Verify, and that a
// UserSig Verify accepts can be minted again from its decoded fields.
func FuzzVerify(f *testing.F) {
	valid := usersig.Mint(vecSDKAppID, vecIdentifier, vecKey, vecExpire, unix(vecTime))
	withBuf := usersig.MintWithUserBuf(vecSDKAppID, vecIdentifier, vecKey, vecExpire, unix(vecTime), []byte{5})
	for _, s := range []string{vecUserSig, valid, withBuf, valid[:40], "", "garbage", "eJw_", "____"} {
		f.Add(s, uint64(vecSDKAppID), vecIdentifier, vecKey, int64(vecTime+100))
	}
	f.Add(vecUserSig, uint64(vecSDKAppID), vecIdentifier, vecKey, int64(vecTime+vecExpire+1))
	f.Add(vecUserSig, uint64(1), "x", "k", int64(0))
	f.Fuzz(func(t *testing.T, s string, sdkappid uint64, identifier, key string, now int64) {
		at := time.Unix(now, 0)
		sig, err := usersig.Verify(s, sdkappid, identifier, key, at)
		checkSentinel(t, err)
		decoded, decErr := usersig.Decode(s)
		if decErr != nil {
			checkSentinel(t, decErr)
			if !errors.Is(err, sentinelOf(decErr)) {
				t.Fatalf("Decode failed with %v but Verify with %v", decErr, err)
			}
			return
		}
		if checkErr := decoded.Check(sdkappid, identifier, key, at); sentinelOf(checkErr) != sentinelOf(err) {
			t.Fatalf("Check gave %v, Verify %v", checkErr, err)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(decoded, sig); diff != "" {
			t.Fatalf("Verify and Decode disagree (-decode +verify):\n%s", diff)
		}
		again := usersig.MintWithUserBuf(sig.SDKAppID, sig.Identifier, key, sig.Expire, time.Unix(sig.Time, 0), sig.UserBuf)
		resig, err := usersig.Verify(again, sdkappid, identifier, key, at)
		if err != nil {
			t.Fatalf("re-minted UserSig does not verify: %v", err)
		}
		if diff := cmp.Diff(sig, resig); diff != "" {
			t.Fatalf("re-minted UserSig decodes differently (-original +reminted):\n%s", diff)
		}
	})
}

// checkSentinel fails unless err is nil or matches exactly one sentinel.
func checkSentinel(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %v matches %d sentinels, want 1", err, n)
	}
}

// sentinelOf returns the sentinel err matches, or nil.
func sentinelOf(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

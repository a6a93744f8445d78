package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
)

// benchModifyBody is a modify_group_member_info body with several fields, as timbench
// sends them.
const benchModifyBody = `{"GroupId":"@TGS#2CLUZEAEJ","Member_Account":"tb1234","NameCard":"r1x2-3k9",` +
	`"Role":"Admin","MuteTime":3600,"AppMemberDefinedData":[{"Key":"F1","Value":"v123"},{"Key":"F3","Value":"v456"}]}`

// BenchmarkDecodeModify measures decoding a modify_group_member_info body into its wire
// struct, as the generic adapter does: "exact" with every key exact (the fast path, the
// body decoded as it came), "ignored" with two keys to ignore (a copy with them blanked),
// "walk-only" the pass over the keys alone, and "encoding-json" the bare json.Unmarshal
// that decoding cost before keys were matched exactly.
func BenchmarkDecodeModify(b *testing.B) {
	s := shapeOf(reflect.TypeFor[modifyGroupMemberInfoReq]())
	bodies := map[string]string{
		"exact":   benchModifyBody,
		"ignored": strings.Replace(strings.Replace(benchModifyBody, `"NameCard"`, `"namecard"`, 1), `"Key":"F3"`, `"key":"F3"`, 1),
	}
	for _, name := range []string{"exact", "ignored"} {
		body := []byte(bodies[name])
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var req modifyGroupMemberInfoReq
				if _, err := decodeBody(body, &req, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("walk-only", func(b *testing.B) {
		body := []byte(benchModifyBody)
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ign := exactKeys(body, 0, s); ign.n != 0 {
				b.Fatal(ign.paths)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		body := []byte(benchModifyBody)
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var req modifyGroupMemberInfoReq
			if err := json.Unmarshal(body, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSigCache measures the UserSig check of every request: "cached" is a
// signature the cache has seen (no inflate, no HMAC), "cold" a new signature each time
// (full usersig.Verify plus the cache insert).
func BenchmarkSigCache(b *testing.B) {
	const key = "0123456789abcdef0123456789abcdef"
	app := &App{App: &im.App{SDKAppID: 1400000000, Admins: []string{"administrator"}}, SecretKey: key}
	now := time.Now()
	b.Run("cached", func(b *testing.B) {
		c := newSigCache(10000)
		sig := usersig.Mint(app.SDKAppID, "administrator", key, 86400, now)
		if _, err := c.verify(app, "administrator", sig, now); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.verify(app, "administrator", sig, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		c := newSigCache(10000)
		// Mint a pool before the timer and verify in turn with a cache that has
		// forgotten each signature by its next turn (max 10000 < pool).
		sigs := make([]string, 20000)
		for i := range sigs {
			sigs[i] = usersig.Mint(app.SDKAppID, "administrator", key, 86400+int64(i), now)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := c.verify(app, "administrator", sigs[i%len(sigs)], now); err != nil {
				b.Fatal(fmt.Sprint(i, err))
			}
			i++
		}
	})
}

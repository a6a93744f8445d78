package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/timtest"
)

// newBenchServer returns a test server with rate limits off, custom member fields F1 to
// F3, no member limit on Public groups, and one Public group of members accounts, whose
// ID it returns with the accounts.
func newBenchServer(b *testing.B, members int) (*timtest.Server, string, []string) {
	b.Helper()
	s := timtest.NewServer(b, &timtest.Options{
		MemberFields: []string{"F1", "F2", "F3"},
		Configure: func(c *config.Config) {
			c.Apps[0].RateLimits = config.RateLimits{}
			c.Apps[0].Limits.MaxMembers[im.TypePublic] = 0
		},
	})
	accounts := make([]string, members)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("m%d", i)
	}
	s.MustImportAccounts(b, accounts...)
	g := s.MustCreateGroup(b, "Public", "", accounts[:min(len(accounts), 500)]...)
	if len(accounts) > 500 {
		s.MustAddMembers(b, g, accounts[500:]...)
	}
	return s, g, accounts
}

// benchPost sends one call with the server's cached admin UserSig and fails unless it is OK.
func benchPost(b *testing.B, client *http.Client, url string, body []byte) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.HasPrefix(data, []byte(`{"ActionStatus":"OK"`)) {
		b.Errorf("answer %s", data)
	}
}

// BenchmarkModifyCall measures a whole modify_group_member_info call over loopback HTTP
// (client included) with a cached UserSig: auth, decode, the rule checks and one durable
// SQLite write, with a unique NameCard so every write changes its row. Parallelism 8
// per GOMAXPROCS lets group commit batch the writes.
func BenchmarkModifyCall(b *testing.B) {
	s, g, accounts := newBenchServer(b, 1000)
	url := s.URL + "/v4/group_open_http_svc/modify_group_member_info?" + s.Query(s.Admin())
	client := s.Client()
	var n atomic.Int64
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Appendf(nil, `{"GroupId":%q,"Member_Account":%q,"NameCard":"card %d","MsgFlag":"AcceptNotNotify"}`,
				g, accounts[i%int64(len(accounts))], i)
			benchPost(b, client, url, body)
		}
	})
}

// BenchmarkGetMembersCall measures get_group_member_info of one page of 100 members of
// a 10000-member group over loopback HTTP, at Offset 0, in the middle and at the end:
// the ratio deep/zero is the cost of deep offsets.
func BenchmarkGetMembersCall(b *testing.B) {
	const members = 10000
	s, g, _ := newBenchServer(b, members)
	url := s.URL + "/v4/group_open_http_svc/get_group_member_info?" + s.Query(s.Admin())
	client := s.Client()
	for _, offset := range []int{0, members / 2, members - 100} {
		b.Run(fmt.Sprintf("offset=%d", offset), func(b *testing.B) {
			body := []byte(fmt.Sprintf(`{"GroupId":%q,"Limit":100,"Offset":%d}`, g, offset))
			b.ReportAllocs()
			for b.Loop() {
				benchPost(b, client, url, body)
			}
		})
	}
}

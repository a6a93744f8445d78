package transfer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/store/sqlite"
	"github.com/timdhq/timd/internal/store/storetest"
	"github.com/timdhq/timd/internal/transfer"
)

const (
	app   uint64 = 1400000001
	other uint64 = 1400000002
)

// openSQLite opens an empty SQLite store in a temporary directory.
func openSQLite(t *testing.T) im.Store {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "timd.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens an empty PostgreSQL store in a schema of its own, or skips t when
// TIMD_TEST_POSTGRES_DSN is not set.
func openPostgres(t *testing.T) im.Store {
	t.Helper()
	base := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set: PostgreSQL lane skipped (.ci/run sets it)")
	}
	dsn, drop, err := postgres.NewTestSchema(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
	if err != nil {
		drop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// fill writes a bit of everything into app of st: accounts with and without profiles,
// groups of several types with every field, members whose join order is not their
// name order (one left and came back), custom data, mute records of a member, of a
// former member and an expired one, and a destroyed group. other gets data too.
func fill(t *testing.T, st im.Store) {
	t.Helper()
	storetest.MustUpdate(t, st, func(ctx context.Context, tx im.Tx) error {
		for _, a := range []im.Account{
			{App: app, UserID: "zed", Nick: "Zed ✓", FaceURL: "https://f/z.png", Created: 1600000000},
			{App: app, UserID: "amy", Created: 1600000001},
			{App: app, UserID: "bob", Nick: "Bob", Created: 1600000002},
			{App: app, UserID: "cat", Created: 1600000003},
			{App: other, UserID: "x", Created: 1},
		} {
			if err := tx.PutAccount(ctx, a); err != nil {
				return err
			}
		}
		for _, g := range []im.Group{
			{App: app, ID: "public", Type: im.TypePublic, Name: "P", Introduction: "intro", Notification: "notice",
				FaceURL: "https://f/p.png", Owner: "zed", CreateTime: 1600000100, InfoSeq: 4, LastInfoTime: 1600000200,
				LastMsgTime: 1600000300, NextMsgSeq: 17, MaxMemberNum: 2000, ApplyJoinOption: im.JoinNeedPermission,
				InviteJoinOption: im.InviteDisable, MuteAllMember: true, AppData: map[string]string{"Topic": "go"}},
			{App: app, ID: "gone", Type: im.TypePrivate, Name: "G", CreateTime: 1600000101, ApplyJoinOption: im.JoinDisableApply},
			{App: app, ID: "@TGS#2ABC", Type: im.TypeCommunity, Name: "C", CreateTime: 1600000102, MaxMemberNum: 100000, ApplyJoinOption: im.JoinFreeAccess, SupportTopic: true},
			{App: app, ID: "empty", Type: im.TypeAVChatRoom, Name: "AV", CreateTime: 1600000103, ApplyJoinOption: im.JoinFreeAccess},
			{App: other, ID: "public", Type: im.TypePublic, Name: "other app's", ApplyJoinOption: im.JoinFreeAccess},
		} {
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		return tx.DestroyGroup(ctx, app, "gone")
	})
	member := func(group, account string, role im.Role, join int64) im.Member {
		return im.Member{Group: group, Account: account, Role: role, JoinTime: join, MsgSeq: join % 7,
			MsgFlag: im.MsgAcceptNotNotify, LastSendMsgTime: join + 5, NameCard: "card " + account,
			AppData: map[string]string{"Level": account}, UnreadMsgNum: join % 3}
	}
	storetest.MustUpdate(t, st, func(ctx context.Context, tx im.Tx) error {
		for _, m := range []im.Member{
			member("public", "zed", im.RoleOwner, 1600000100), member("public", "cat", im.RoleAdmin, 1600000110),
			member("public", "amy", im.RoleMember, 1600000120), member("public", "bob", im.RoleMember, 1600000130),
			member("@TGS#2ABC", "bob", im.RoleMember, 1600000140), member("@TGS#2ABC", "amy", im.RoleMember, 1600000150),
		} {
			if err := tx.AddMember(ctx, app, m); err != nil {
				return err
			}
		}
		// cat leaves and comes back: last in join order now.
		if err := tx.DeleteMember(ctx, app, "public", "cat"); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, app, member("public", "cat", im.RoleMember, 1600000160)); err != nil {
			return err
		}
		for _, mu := range []struct {
			group, account string
			until          int64
		}{{"public", "bob", im.MuteForever}, {"public", "ghost", 1900000000}, {"public", "amy", 1000}, {"@TGS#2ABC", "amy", 1900000001}} {
			if err := tx.SetMute(ctx, app, mu.group, mu.account, mu.until); err != nil {
				return err
			}
		}
		return tx.AddMember(ctx, other, member("public", "x", im.RoleOwner, 1))
	})
}

// export exports app from st, failing t on an error.
func export(t *testing.T, st im.Store, a uint64) *transfer.Document {
	t.Helper()
	d, err := transfer.Export(t.Context(), st, a, transfer.ExportOptions{})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return d
}

// ignoreExported leaves the export time out of comparisons.
var ignoreExported = cmpopts.IgnoreFields(transfer.Document{}, "Exported")

// roundTrip writes d as JSON and reads it back.
func roundTrip(t *testing.T, d *transfer.Document) *transfer.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := transfer.Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	back, err := transfer.Read(&buf)
	if err != nil {
		t.Fatalf("Read what Write wrote: %v", err)
	}
	return back
}

func TestExport(t *testing.T) {
	st := openSQLite(t)
	fill(t, st)
	d := export(t, st, app)
	if got, want := d.Summary(), (transfer.Summary{Accounts: 4, Groups: 3, Members: 6, Mutes: 4}); got != want {
		t.Errorf("Summary: got %+v, want %+v", got, want)
	}
	var ids []string
	for _, g := range d.Groups {
		ids = append(ids, g.ID)
	}
	if want := []string{"public", "@TGS#2ABC", "empty"}; !cmp.Equal(ids, want) {
		t.Errorf("groups: got %q, want %q (creation order, no destroyed group)", ids, want)
	}
	var members []string
	for _, m := range d.Groups[0].Members {
		members = append(members, m.Account)
	}
	if want := []string{"zed", "amy", "bob", "cat"}; !cmp.Equal(members, want) {
		t.Errorf("members of public: got %q, want %q (join order)", members, want)
	}
	if want := (transfer.Account{UserID: "zed", Nick: "Zed ✓", FaceURL: "https://f/z.png", Created: 1600000000}); d.Accounts[3] != want {
		t.Errorf("last account: got %+v, want %+v", d.Accounts[3], want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		open func(t *testing.T) im.Store
	}{{"sqlite to sqlite", openSQLite}, {"sqlite to postgres", openPostgres}} {
		t.Run(tt.name, func(t *testing.T) {
			src := openSQLite(t)
			fill(t, src)
			want := export(t, src, app)
			dst := tt.open(t)
			if err := transfer.Import(t.Context(), dst, roundTrip(t, want), transfer.ImportOptions{}); err != nil {
				t.Fatalf("Import: %v", err)
			}
			if d := cmp.Diff(want, export(t, dst, app), ignoreExported); d != "" {
				t.Errorf("export of the imported app (-source +imported):\n%s", d)
			}
			if got := export(t, dst, other); len(got.Accounts)+len(got.Groups) != 0 {
				t.Errorf("another app after Import: got %+v, want nothing", got.Summary())
			}
		})
	}
}

func TestImportRefusesAppWithData(t *testing.T) {
	src := openSQLite(t)
	fill(t, src)
	d := export(t, src, app)
	dst := openSQLite(t)
	storetest.MustUpdate(t, dst, func(ctx context.Context, tx im.Tx) error {
		return tx.PutAccount(ctx, im.Account{App: app, UserID: "already"})
	})
	err := transfer.Import(t.Context(), dst, d, transfer.ImportOptions{})
	if !errors.Is(err, transfer.ErrNotEmpty) {
		t.Fatalf("Import into an app with an account: got %v, want ErrNotEmpty", err)
	}
	if err := transfer.Import(t.Context(), dst, d, transfer.ImportOptions{Replace: true}); err != nil {
		t.Fatalf("Import with Replace: %v", err)
	}
	if diff := cmp.Diff(d, export(t, dst, app), ignoreExported); diff != "" {
		t.Errorf("app after Import with Replace (-document +store):\n%s", diff)
	}
	if err := transfer.Import(t.Context(), dst, d, transfer.ImportOptions{}); !errors.Is(err, transfer.ErrNotEmpty) {
		t.Errorf("Import into an app with groups: got %v, want ErrNotEmpty", err)
	}
}

func TestImportIntoAnotherApp(t *testing.T) {
	src := openSQLite(t)
	fill(t, src)
	d := export(t, src, app)
	dst := openSQLite(t)
	const target uint64 = 1400000009
	if err := transfer.Import(t.Context(), dst, d, transfer.ImportOptions{App: target}); err != nil {
		t.Fatal(err)
	}
	want := *d
	want.SDKAppID = target
	if diff := cmp.Diff(&want, export(t, dst, target), ignoreExported); diff != "" {
		t.Errorf("target app (-document +store):\n%s", diff)
	}
}

// failingStore is a store whose transactions fail the nth AddMembers.
type failingStore struct {
	im.Store
	n int
}

func (s failingStore) Update(ctx context.Context, fn func(context.Context, im.Tx) error) error {
	return s.Store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		return fn(ctx, &failingTx{Tx: tx, left: s.n})
	})
}

type failingTx struct {
	im.Tx
	left int
}

var errInjected = errors.New("injected failure")

func (t *failingTx) AddMembers(ctx context.Context, app uint64, group string, ms []im.Member) error {
	if t.left--; t.left == 0 {
		return errInjected
	}
	return t.Tx.AddMembers(ctx, app, group, ms)
}

// TestImportAllOrNothing fails an import half way: nothing of it is left.
func TestImportAllOrNothing(t *testing.T) {
	src := openSQLite(t)
	fill(t, src)
	d := export(t, src, app)
	dst := openSQLite(t)
	err := transfer.Import(t.Context(), failingStore{Store: dst, n: 2}, d, transfer.ImportOptions{})
	if !errors.Is(err, errInjected) {
		t.Fatalf("Import: got %v, want the injected failure", err)
	}
	if got := export(t, dst, app).Summary(); got != (transfer.Summary{}) {
		t.Errorf("app after a failed import: got %+v, want nothing", got)
	}
}

func TestReadRefuses(t *testing.T) {
	for _, tt := range []struct{ name, doc, want string }{
		{"not JSON", `format`, "read export"},
		{"another format", `{"format":"other/1","sdkappid":1}`, "not a timd export"},
		{"unknown key", `{"format":"timd-export/1","sdkappid":1,"extra":1}`, "unknown field"},
		{"no app", `{"format":"timd-export/1"}`, "sdkappid"},
		{"account twice", `{"format":"timd-export/1","sdkappid":1,"accounts":[{"user_id":"a"},{"user_id":"a"}]}`, `account "a"`},
		{"group twice", `{"format":"timd-export/1","sdkappid":1,"groups":[{"id":"g","type":"Public"},{"id":"g","type":"Public"}]}`, `group "g"`},
		{"bad type", `{"format":"timd-export/1","sdkappid":1,"groups":[{"id":"g","type":"Work"}]}`, "type"},
		{"bad role", `{"format":"timd-export/1","sdkappid":1,"groups":[{"id":"g","type":"Public","members":[{"account":"a","role":"King"}]}]}`, "role"},
		{"unknown key in a group", `{"format":"timd-export/1","sdkappid":1,"groups":[{"id":"g","type":"Public","owner_id":"a"}]}`, "unknown field"},
		{"accounts not an array", `{"format":"timd-export/1","sdkappid":1,"accounts":{"user_id":"a"}}`, "not an array"},
		{"cut short", `{"format":"timd-export/1","sdkappid":1,"groups":[{"id":"g","type":"Public"}`, "read export"},
		{"mute without end", `{"format":"timd-export/1","sdkappid":1,"groups":[{"id":"g","type":"Public","mutes":[{"account":"a","until":0}]}]}`, "mute record"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := transfer.Read(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestProgress checks what Export and Import report as they go: counts that only grow,
// and at the end the document's summary.
func TestProgress(t *testing.T) {
	src := openSQLite(t)
	fill(t, src)
	var got []transfer.Progress
	record := func(p transfer.Progress) {
		if n := len(got); n > 0 && (p.Accounts < got[n-1].Accounts || p.Groups < got[n-1].Groups || p.Members < got[n-1].Members) {
			t.Errorf("progress went back: %+v after %+v", p, got[n-1])
		}
		got = append(got, p)
	}
	d, err := transfer.Export(t.Context(), src, app, transfer.ExportOptions{Progress: record})
	if err != nil {
		t.Fatal(err)
	}
	want := transfer.Progress{Accounts: 4, Groups: 3, Members: 6, TotalGroups: 3}
	if len(got) == 0 || got[len(got)-1] != want {
		t.Errorf("Export's last progress: got %+v, want %+v", got, want)
	}

	got = nil
	if err := transfer.Import(t.Context(), openSQLite(t), d, transfer.ImportOptions{Progress: record}); err != nil {
		t.Fatal(err)
	}
	want = transfer.Progress{Accounts: 4, Groups: 3, Members: 6, TotalAccounts: 4, TotalGroups: 3, TotalMembers: 6}
	if len(got) == 0 || got[len(got)-1] != want {
		t.Errorf("Import's last progress: got %+v, want %+v", got, want)
	}
}

// TestImportRefusesMessages: messages are for seeds; timd import refuses them rather than
// drop them.
func TestImportRefusesMessages(t *testing.T) {
	src := openSQLite(t)
	fill(t, src)
	d := export(t, src, app)
	d.Groups[0].Messages = []transfer.Message{{From: "a", MsgBody: []byte(`[]`)}}
	err := transfer.Import(t.Context(), openSQLite(t), d, transfer.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "has messages") {
		t.Errorf("Import of a document with messages: got %v, want it refused", err)
	}
}

// TestExportTo checks that the streamed export writes the bytes Write writes of Export's
// document (the export time aside), for an app with data, one with little and one with
// none, and that its summary is the document's.
func TestExportTo(t *testing.T) {
	st := openSQLite(t)
	fill(t, st)
	storetest.MustUpdate(t, st, func(ctx context.Context, tx im.Tx) error {
		g, err := tx.GetGroup(ctx, app, "public")
		if err != nil {
			return err
		}
		g.AppData["Html"] = "<b>&amp;</b> \u2028"
		return tx.UpdateGroup(ctx, g)
	})
	exported := regexp.MustCompile(`(?m)^  "exported": \d+,$`)
	for _, a := range []uint64{app, other, 999} {
		d := export(t, st, a)
		var want, got bytes.Buffer
		if err := transfer.Write(&want, d); err != nil {
			t.Fatal(err)
		}
		sum, err := transfer.ExportTo(t.Context(), st, a, &got, transfer.ExportOptions{})
		if err != nil {
			t.Fatalf("ExportTo app %d: %v", a, err)
		}
		w := exported.ReplaceAllString(want.String(), `  "exported": 0,`)
		g := exported.ReplaceAllString(got.String(), `  "exported": 0,`)
		if d := cmp.Diff(w, g); d != "" {
			t.Errorf("app %d: ExportTo's bytes differ from Write's (-Write +ExportTo):\n%s", a, d)
		}
		if sum != d.Summary() {
			t.Errorf("app %d: summary %+v, want %+v", a, sum, d.Summary())
		}
	}
}

// TestReadAsUnmarshal checks that Read, which decodes a document's arrays an element at a
// time, reads what decoding the whole document at once would: keys in any case, null and
// empty arrays, every field of an export.
func TestReadAsUnmarshal(t *testing.T) {
	st := openSQLite(t)
	fill(t, st)
	var full bytes.Buffer
	if err := transfer.Write(&full, export(t, st, app)); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{
		full.String(),
		`{"FORMAT":"timd-export/1","SdkAppId":7,"accounts":null,"groups":[]}`,
		`{"groups":[{"id":"g","type":"Public","members":[{"account":"a","role":"Owner"}]}],"sdkappid":7,"format":"timd-export/1","accounts":[]}`,
	} {
		var want transfer.Document
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		got, err := transfer.Read(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if d := cmp.Diff(&want, got); d != "" {
			t.Errorf("Read differs from json.Unmarshal (-Unmarshal +Read):\n%s", d)
		}
	}
}

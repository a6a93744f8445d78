package field_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/field"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/sqlite"
)

// openStore opens a fresh SQLite store in t's temporary directory.
func openStore(t *testing.T) im.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "timd.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// stepClock is a clock one second later at every reading.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// newApp returns an app with configured member key Conf and the default limits.
func newApp() *im.App {
	return &im.App{SDKAppID: 1400000000, MemberFields: []string{"Conf"}, Limits: im.DefaultLimits()}
}

func TestDeclare(t *testing.T) {
	st := openStore(t)
	svc := field.New(st, &stepClock{t: time.Unix(1767225600, 0)})
	app := newApp()
	c := im.Caller{App: app, Identifier: "administrator"}

	mustDeclare := func(kind im.FieldKind, key string, wantAdded bool) {
		t.Helper()
		added, err := svc.Declare(t.Context(), c, kind, key)
		if err != nil || added != wantAdded {
			t.Fatalf("Declare(%s, %q): got %v, %v; want %v, nil", kind, key, added, err, wantAdded)
		}
	}
	mustDeclare(im.FieldMember, "Level", true)
	if !app.HasMemberField("Level") || app.HasGroupField("Level") {
		t.Fatal("a declared member key is not applied to the app at once")
	}
	mustDeclare(im.FieldMember, "Level", false) // again: no change
	mustDeclare(im.FieldMember, "Conf", false)  // configured already
	mustDeclare(im.FieldGroup, "Level", true)   // the other kind is another field

	for _, tc := range []struct {
		name string
		kind im.FieldKind
		key  string
	}{
		{"bad kind", "Account", "X"},
		{"empty key", im.FieldMember, ""},
		{"long key", im.FieldMember, "K0123456789abcdef"},
		{"dash", im.FieldGroup, "Le-vel"},
	} {
		if _, err := svc.Declare(t.Context(), c, tc.kind, tc.key); im.CodeOf(err) != im.CodeInvalidParam {
			t.Errorf("%s: got %v, want 10004", tc.name, err)
		}
	}

	// Conf and Level count: three more member keys reach the limit of 5.
	for _, k := range []string{"A", "B", "C"} {
		mustDeclare(im.FieldMember, k, true)
	}
	if _, err := svc.Declare(t.Context(), c, im.FieldMember, "D"); im.CodeOf(err) != im.CodeInvalidParam {
		t.Errorf("a sixth member key: got %v, want 10004", err)
	}
	if app.HasMemberField("D") {
		t.Error("a refused key is applied")
	}

	// Another replica's app learns the keys with Load.
	other := newApp()
	if err := svc.Load(t.Context(), []*im.App{other}); err != nil {
		t.Fatal(err)
	}
	if !other.HasMemberField("C") || !other.HasGroupField("Level") {
		t.Errorf("Load: member C %v, group Level %v; want both", other.HasMemberField("C"), other.HasGroupField("Level"))
	}

	got, err := svc.List(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(got))
	for i, k := range got {
		names[i] = string(k.Kind) + ":" + k.Key
		if k.Configured != (k.Key == "Conf") || (k.Declared == 0) != (k.Key == "Conf") {
			t.Errorf("%s: Configured %v, Declared %d", names[i], k.Configured, k.Declared)
		}
	}
	want := []string{"Group:Level", "Member:Conf", "Member:Level", "Member:A", "Member:B", "Member:C"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("List (-want +got):\n%s", d)
	}
}

// TestDeclareConfiguredOverLimit: an app whose configuration already holds the limit
// declares nothing more, and a key it configures is still no error.
func TestDeclareConfiguredOverLimit(t *testing.T) {
	app := newApp()
	app.Limits.MemberFieldsMax = 1
	c := im.Caller{App: app}
	svc := field.New(openStore(t), nil)
	if _, err := svc.Declare(t.Context(), c, im.FieldMember, "X"); im.CodeOf(err) != im.CodeInvalidParam {
		t.Errorf("over the limit: got %v, want 10004", err)
	}
	if added, err := svc.Declare(t.Context(), c, im.FieldMember, "Conf"); added || err != nil {
		t.Errorf("a configured key: got %v, %v; want false, nil", added, err)
	}
}

// TestRefresh: a replica's app learns a key declared through another replica's service
// at its next refresh.
func TestRefresh(t *testing.T) {
	st := openStore(t)
	here, there := newApp(), newApp()
	here.Declared = new(im.FieldSet) // as Load leaves it, before the app is shared
	if _, err := field.New(st, nil).Declare(t.Context(), im.Caller{App: there}, im.FieldGroup, "Topic"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		field.New(st, nil).Refresh(ctx, []*im.App{here}, 10*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !here.HasGroupField("Topic") {
		if time.Now().After(deadline) {
			t.Fatal("Refresh did not load the key declared elsewhere")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

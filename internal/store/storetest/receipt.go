package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

var receiptScenarios = []scenario{
	{"Receipt/RoundTrip", testReceiptRoundTrip},
	{"Receipt/GoneWithGroupAndApp", testReceiptGone},
}

// mustReaders reads the readers of message seq of group g of app.
func mustReaders(tb testing.TB, s im.Store, app uint64, g string, seq int64) []string {
	tb.Helper()
	var out []string
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.ReceiptReaders(ctx, app, g, seq)
		return err
	})
	return out
}

// mustPutReceipts records account's receipts of seqs in group g of app.
func mustPutReceipts(tb testing.TB, s im.Store, app uint64, g, account string, seqs ...int64) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error { return tx.PutReceipts(ctx, app, g, account, seqs) })
}

// testReceiptRoundTrip checks that a message keeps NeedReceipt, and that receipts read
// back per message in byte order of account, once however often they are put, apart per
// message, group and app.
func testReceiptRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	m := message("g", 42, "alice", 1700000500)
	m.NeedReceipt = true
	mustAppend(t, s, m)
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		got, err := tx.GetMessage(ctx, app1, "g", 42)
		if err != nil || !cmp.Equal(got, m) {
			t.Errorf("GetMessage of a message that wants receipts: got %+v, %v; want %+v", got, err, m)
		}
		return nil
	})
	mustPutReceipts(t, s, app1, "g", "carol", 42, 43)
	mustPutReceipts(t, s, app1, "g", "bob", 42)
	mustPutReceipts(t, s, app1, "g", "carol", 42)
	mustPutReceipts(t, s, app1, "h", "dave", 42)
	mustPutReceipts(t, s, app2, "g", "erin", 42)
	if d := cmp.Diff([]string{"bob", "carol"}, mustReaders(t, s, app1, "g", 42)); d != "" {
		t.Errorf("readers (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"carol"}, mustReaders(t, s, app1, "g", 43)); d != "" {
		t.Errorf("readers of another message (-want +got):\n%s", d)
	}
	if got := mustReaders(t, s, app1, "g", 44); len(got) != 0 {
		t.Errorf("readers of a message without receipts: %v", got)
	}
}

// testReceiptGone checks that destroying a group and deleting an app delete its receipts.
func testReceiptGone(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustPutReceipts(t, s, app1, "g", "bob", 1)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, app1, "g") })
	if got := mustReaders(t, s, app1, "g", 1); len(got) != 0 {
		t.Errorf("readers after DestroyGroup: %v", got)
	}
	mustPutReceipts(t, s, app1, "g", "bob", 1)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := mustReaders(t, s, app1, "g", 1); len(got) != 0 {
		t.Errorf("readers after DeleteApp: %v", got)
	}
}

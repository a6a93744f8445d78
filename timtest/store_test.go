package timtest

import (
	"os"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/store/sqlite"
)

// checkAccount fails t unless account_check reports id as imported (want) or not.
func checkAccount(t *testing.T, s *Server, id string, want bool) {
	t.Helper()
	r := s.MustOK(t, "im_open_login_svc/account_check", map[string]any{
		"CheckItem": []map[string]string{{"UserID": id}},
	})
	got := strings.Contains(string(r.Raw), `"Imported"`)
	if got != want {
		t.Errorf("account %q imported: got %v, want %v (answer %s)", id, got, want, r.Raw)
	}
}

func TestStoreSwitch(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Setenv("TIMD_TEST_STORE", "")
		s := NewServer(t, nil)
		if _, ok := s.srv.Store().(*sqlite.DB); !ok {
			t.Errorf("store with TIMD_TEST_STORE unset: got %T, want *sqlite.DB", s.srv.Store())
		}
	})
	t.Run("postgres without DSN", func(t *testing.T) {
		t.Setenv("TIMD_TEST_STORE", "postgres")
		t.Setenv("TIMD_TEST_POSTGRES_DSN", "")
		s, err := Start(nil)
		if err == nil {
			s.Close()
			t.Fatalf("Start: got nil error, want one naming TIMD_TEST_POSTGRES_DSN")
		}
		if !strings.Contains(err.Error(), "TIMD_TEST_POSTGRES_DSN") {
			t.Errorf("Start: got %v, want an error naming TIMD_TEST_POSTGRES_DSN", err)
		}
	})
	t.Run("unknown store", func(t *testing.T) {
		t.Setenv("TIMD_TEST_STORE", "mysql")
		if s, err := Start(nil); err == nil {
			s.Close()
			t.Errorf("Start with TIMD_TEST_STORE=mysql: got nil error, want one")
		}
	})
}

// TestPostgres runs a server on PostgreSQL: it gets a schema of its own, Reset gives it a
// fresh one, and Close drops the last.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set: PostgreSQL lane skipped (.ci/run sets it)")
	}
	t.Setenv("TIMD_TEST_STORE", "postgres")
	t.Setenv("TIMD_TEST_POSTGRES_DSN", dsn)
	s, err := Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	if _, ok := s.srv.Store().(*postgres.DB); !ok {
		t.Fatalf("store with TIMD_TEST_STORE=postgres: got %T, want *postgres.DB", s.srv.Store())
	}
	s.MustImportAccounts(t, "alice")
	checkAccount(t, s, "alice", true)

	first := s.drop
	if err := s.Reset(); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if err := first(); err == nil {
		t.Errorf("dropping the schema from before Reset again: got nil error, want one (it is gone)")
	}
	checkAccount(t, s, "alice", false)

	last := s.drop
	s.Close()
	closed = true
	if err := last(); err == nil {
		t.Errorf("dropping the schema again after Close: got nil error, want one (it is gone)")
	}
}

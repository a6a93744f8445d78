package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUsersigHintWorks starts timd with a configuration that is not the default one,
// all of it from the environment, runs the usersig command of its first log line in a
// shell without that environment, and calls the server with the UserSig it prints.
func TestUsersigHintWorks(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "my data")
	p := MustStart(t, dataDir, "TIMD_SDKAPPID=1400000042", "TIMD_ADMINS=ops,root")
	var first struct {
		UsersigHint string `json:"usersig_hint"`
	}
	if err := json.Unmarshal([]byte(p.firstLine), &first); err != nil {
		t.Fatal(err)
	}
	command, rest, ok := strings.Cut(strings.TrimPrefix(first.UsersigHint, "get a UserSig with: "), "; then POST ")
	if !ok {
		t.Fatalf("usersig_hint: got %q, want \"get a UserSig with: COMMAND; then POST URL\"", first.UsersigHint)
	}
	for _, want := range []string{" usersig", "-data '" + dataDir + "'", "-sdkappid 1400000042", "-identifier ops"} {
		if !strings.Contains(command, want) {
			t.Errorf("usersig_hint command: got %q, want it to contain %q", command, want)
		}
	}
	sh := exec.Command("sh", "-c", command)
	sh.Env = environ() // none of the server's TIMD_ variables
	out, err := sh.Output()
	if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	url := strings.Replace(rest, "usersig=SIG", "usersig="+strings.TrimSpace(string(out)), 1)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(url, "application/json", strings.NewReader(`{"CheckItem":[{"UserID":"ops"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.HasPrefix(string(body), `{"ActionStatus":"OK"`) {
		t.Errorf("call with the hint's URL and UserSig: got %s, want OK", body)
	}
}

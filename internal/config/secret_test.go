package config

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolveSecrets(t *testing.T) {
	c := Default()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	c.Apps = append(c.Apps, newApp(1400000001), newApp(1400000002))
	c.Apps[2].SecretKey = "explicit"
	if err := c.ResolveSecrets(); err != nil {
		t.Fatal(err)
	}
	checkMode(t, c.DataDir, fs.ModeDir|0o700)
	for i, a := range c.Apps[:2] {
		if b, err := hex.DecodeString(a.SecretKey); err != nil || len(b) != 32 {
			t.Errorf("apps[%d] key %q is not 32 bytes in hex", i, a.SecretKey)
		}
		checkMode(t, secretPath(c.DataDir, a.SDKAppID), 0o600)
	}
	if c.Apps[0].SecretKey == c.Apps[1].SecretKey {
		t.Errorf("two apps got the same key")
	}
	if c.Apps[2].SecretKey != "explicit" {
		t.Errorf("explicit key replaced by %q", c.Apps[2].SecretKey)
	}
	if _, err := os.Stat(secretPath(c.DataDir, 1400000002)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("key file of an app with an explicit key: got %v, want not exist", err)
	}
	entries, _ := os.ReadDir(c.DataDir)
	if len(entries) != 2 {
		t.Errorf("data dir holds %d entries, want the 2 key files", len(entries))
	}

	again := Default()
	again.DataDir = c.DataDir
	if err := again.ResolveSecrets(); err != nil {
		t.Fatal(err)
	}
	if again.Apps[0].SecretKey != c.Apps[0].SecretKey {
		t.Errorf("second ResolveSecrets got key %q, want %q", again.Apps[0].SecretKey, c.Apps[0].SecretKey)
	}
}

func TestResolveSecretsReadsExistingFile(t *testing.T) {
	c := Default()
	c.DataDir = t.TempDir()
	path := secretPath(c.DataDir, devSDKAppID)
	if err := os.WriteFile(path, []byte("  handmade\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.ResolveSecrets(); err != nil {
		t.Fatal(err)
	}
	if c.Apps[0].SecretKey != "handmade" {
		t.Errorf("got key %q, want %q", c.Apps[0].SecretKey, "handmade")
	}
}

func TestResolveSecretsErrorsNameTheFile(t *testing.T) {
	t.Run("empty file", func(t *testing.T) {
		c := Default()
		c.DataDir = t.TempDir()
		path := secretPath(c.DataDir, devSDKAppID)
		if err := os.WriteFile(path, []byte("\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		wantErr(t, c.ResolveSecrets(), path)
	})
	t.Run("data dir is a file", func(t *testing.T) {
		c := Default()
		c.DataDir = MustWriteFile(t, "not a directory")
		wantErr(t, c.ResolveSecrets(), secretPath(c.DataDir, devSDKAppID))
	})
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode(); got != want {
		t.Errorf("%s: got mode %v, want %v", path, got, want)
	}
}

func TestKeySource(t *testing.T) {
	file := MustWriteFile(t, `{"apps": [{"sdkappid": 1, "secret_key": "filekey"}, {"sdkappid": 2}]}`)
	dataDir := t.TempDir()
	if err := os.WriteFile(secretPath(dataDir, 2), []byte("key2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // KeySource of each app after ReadSecrets
	}{
		{"file", []string{"-config", file, "-data", dataDir}, nil,
			[]string{"apps[0].secret_key in " + file, "key file " + secretPath(dataDir, 2)}},
		{"env beats file", []string{"-config", file, "-data", dataDir}, map[string]string{"TIMD_SECRET_KEY": "envkey"},
			[]string{"TIMD_SECRET_KEY", "key file " + secretPath(dataDir, 2)}},
		{"flag beats env", []string{"-config", file, "-data", dataDir, "-secret-key", "flagkey"}, map[string]string{"TIMD_SECRET_KEY": "envkey"},
			[]string{"-secret-key", "key file " + secretPath(dataDir, 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MustLoad(t, tt.args, tt.env)
			if err := c.ReadSecrets(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range c.Apps {
				got = append(got, a.KeySource)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("KeySource mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadSecretsCreatesNothing checks that ReadSecrets, unlike ResolveSecrets, fails
// on a missing key file with a message naming the file and the settings to give, and
// creates neither the file nor the directory.
func TestReadSecretsCreatesNothing(t *testing.T) {
	c := Default()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	wantErr(t, c.ReadSecrets(), secretPath(c.DataDir, devSDKAppID), "does not exist", "TIMD_DATA", "-config", "TIMD_SECRET_KEY")
	if _, err := os.Stat(c.DataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data directory after ReadSecrets: got %v, want none created", err)
	}

	if err := c.ResolveSecrets(); err != nil {
		t.Fatal(err)
	}
	if want := "new key file " + secretPath(c.DataDir, devSDKAppID); c.Apps[0].KeySource != want {
		t.Errorf("KeySource after ResolveSecrets created the key: got %q, want %q", c.Apps[0].KeySource, want)
	}
	again := Default()
	again.DataDir = c.DataDir
	if err := again.ReadSecrets(); err != nil {
		t.Fatal(err)
	}
	if again.Apps[0].SecretKey != c.Apps[0].SecretKey {
		t.Errorf("ReadSecrets read another key than ResolveSecrets created")
	}
}

func TestWarnings(t *testing.T) {
	c := MustLoad(t, nil, map[string]string{"TIMD_SECRET_KEY": "short"})
	w := c.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "TIMD_SECRET_KEY") || !strings.Contains(w[0], "5 bytes") || strings.Contains(w[0], "short") {
		t.Errorf("Warnings with a 5-byte TIMD_SECRET_KEY: got %q, want one naming TIMD_SECRET_KEY and 5 bytes, not the key", w)
	}
	c = MustLoad(t, nil, map[string]string{"TIMD_SECRET_KEY": strings.Repeat("k", 32)})
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("Warnings with a 32-byte key: got %q, want none", w)
	}
}

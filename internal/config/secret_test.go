package config

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
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

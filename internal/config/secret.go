package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// secretBytes is the number of random bytes in a created secret key; the key is their
// hex encoding.
const secretBytes = 32

// ResolveSecrets gives every app without a SecretKey the key kept in
// <DataDir>/secret-<sdkappid>.key: it reads the file (trimming white space) or, when the
// file does not exist, creates DataDir (mode 0700) and the file (mode 0600) holding a new
// random key of 32 bytes in hex, written atomically through a temporary file and a rename.
// Apps with a SecretKey are left alone. An error names the file, never the key.
func (c *Config) ResolveSecrets() error {
	for i := range c.Apps {
		a := &c.Apps[i]
		if a.SecretKey != "" {
			continue
		}
		key, err := loadOrCreateSecret(c.DataDir, secretPath(c.DataDir, a.SDKAppID))
		if err != nil {
			return err
		}
		a.SecretKey = key
	}
	return nil
}

// secretPath returns the key file of an app.
func secretPath(dataDir string, sdkAppID uint64) string {
	return filepath.Join(dataDir, fmt.Sprintf("secret-%d.key", sdkAppID))
}

// loadOrCreateSecret returns the key in the file at path, creating it in dir first when
// it does not exist.
func loadOrCreateSecret(dir, path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createSecret(dir, path)
	}
	if err != nil {
		return "", fmt.Errorf("config: read secret key file %s: %w", path, err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return "", fmt.Errorf("config: secret key file %s is empty", path)
	}
	return key, nil
}

// createSecret writes a new random key to path and returns it.
func createSecret(dir, path string) (string, error) {
	raw := make([]byte, secretBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("config: create secret key file %s: %w", path, err)
	}
	key := hex.EncodeToString(raw)
	if err := writeAtomic(dir, path, []byte(key+"\n")); err != nil {
		return "", fmt.Errorf("config: create secret key file %s: %w", path, err)
	}
	return key, nil
}

// writeAtomic writes data to path with mode 0600 so that readers see either no file or
// the whole file: it writes a temporary file in dir, syncs it and renames it to path.
func writeAtomic(dir, path string, data []byte) (err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".secret-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the platform allows; failure only loses
// durability, not correctness, so it is ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Sync()
}

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

// shortKey is the length under which Warnings calls a secret key weak: 32 bytes, half
// the 64 hex digits of a Tencent key or of a key timd creates.
const shortKey = 32

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
		path := secretPath(c.DataDir, a.SDKAppID)
		key, created, err := loadOrCreateSecret(c.DataDir, path)
		if err != nil {
			return err
		}
		a.SecretKey, a.KeySource = key, "key file "+path
		if created {
			a.KeySource = "new key file " + path
		}
	}
	return nil
}

// ReadSecrets is ResolveSecrets for the commands that sign with the server's keys
// (usersig, call): it reads <DataDir>/secret-<sdkappid>.key for every app without a
// SecretKey and never creates a key or a directory. A key that would be a new one could
// only sign UserSigs that the server refuses (70009), so a missing file is an error
// saying which settings point at the server's key.
func (c *Config) ReadSecrets() error {
	for i := range c.Apps {
		a := &c.Apps[i]
		if a.SecretKey != "" {
			continue
		}
		path := secretPath(c.DataDir, a.SDKAppID)
		key, err := readSecret(path)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("config: app %d has no secret key: %s does not exist. "+
				"Give this command the server's configuration: the same %s or %s, or its key in %s; "+
				"or start the server once with this data directory, which creates the key",
				a.SDKAppID, path, setting("data"), "-config (TIMD_CONFIG)", setting("secret-key"))
		}
		if err != nil {
			return err
		}
		a.SecretKey, a.KeySource = key, "key file "+path
	}
	return nil
}

// Warnings returns what is allowed in c but probably a mistake, one sentence each: for
// now, secret keys shorter than 32 bytes. It never shows a key.
func (c *Config) Warnings() []string {
	var out []string
	for i, a := range c.Apps {
		if a.SecretKey != "" && len(a.SecretKey) < shortKey {
			source := a.KeySource
			if source == "" {
				source = fmt.Sprintf("apps[%d].secret_key", i)
			}
			out = append(out, fmt.Sprintf("the secret key of app %d (from %s) is %d bytes, under %d: "+
				"anyone who can guess it can sign UserSigs; use the app's key from Tencent's console "+
				"or 32 random bytes in hex (openssl rand -hex 32)", a.SDKAppID, source, len(a.SecretKey), shortKey))
		}
	}
	return out
}

// secretPath returns the key file of an app.
func secretPath(dataDir string, sdkAppID uint64) string {
	return filepath.Join(dataDir, fmt.Sprintf("secret-%d.key", sdkAppID))
}

// loadOrCreateSecret returns the key in the file at path, creating it in dir first when
// it does not exist; created reports that it did.
func loadOrCreateSecret(dir, path string) (key string, created bool, err error) {
	key, err = readSecret(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createSecret(dir, path)
		return key, err == nil, err
	}
	return key, false, err
}

// readSecret returns the key in the file at path; an error wraps fs.ErrNotExist when
// there is no file.
func readSecret(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: read secret key file %s: %w", path, err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return "", fmt.Errorf("config: secret key file %s is empty; put the app's key in it, or delete it and start the server to create one", path)
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
		return "", fmt.Errorf("config: create secret key file %s: %w; make the data directory writable "+
			"by this user, point %s at one that is, or give the key in %s",
			path, err, setting("data"), setting("secret-key"))
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

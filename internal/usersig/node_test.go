package usersig_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/usersig"
)

// nodePackage is the official Node.js signer the interop test runs.
const nodePackage = "tls-sig-api-v2"

// nodeCase is one UserSig the Node.js package is asked to generate. Method
// names the package function; Time is the issue time the script fakes.
type nodeCase struct {
	Method     string `json:"method"`
	SDKAppID   uint64 `json:"sdkappid"`
	Identifier string `json:"identifier"`
	Expire     int64  `json:"expire"`
	Time       int64  `json:"time"`
	UserBuf    []byte `json:"userbuf,omitempty"` // standard base64 in JSON, as the script expects
}

// nodeScript generates one UserSig per case with the official package,
// faking Date.now so the issue time is known, and prints them as a JSON array.
// The input JSON is appended as the last line.
const nodeScript = `
const {Api} = require("tls-sig-api-v2");
const input = JSON.parse(process.argv[process.argv.length - 1]);
const out = [];
for (const c of input.cases) {
	Date.now = () => c.time * 1000 + 123;
	const api = new Api(c.sdkappid, input.key);
	switch (c.method) {
	case "genUserSig": out.push(api.genUserSig(c.identifier, c.expire)); break;
	case "genSig": out.push(api.genSig(c.identifier, c.expire, null)); break;
	case "genSigWithUserbuf": out.push(api.genSig(c.identifier, c.expire, Buffer.from(c.userbuf, "base64"))); break;
	case "genPrivateMapKey": out.push(api.genPrivateMapKey(c.identifier, c.expire, 10000, 255)); break;
	case "genPrivateMapKeyWithStringRoomID": out.push(api.genPrivateMapKeyWithStringRoomID(c.identifier, c.expire, "room-42", 255)); break;
	default: throw new Error("unknown method " + c.method);
	}
}
process.stdout.write(JSON.stringify(out));
`

// nodeModulesDir returns where the interop test looks for node_modules:
// $TIMD_TLSSIG_NODE_MODULES, or .ci/node/node_modules under the module root.
func nodeModulesDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("TIMD_TLSSIG_NODE_MODULES"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".ci", "node", "node_modules")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// runNode generates the UserSigs of cases with the official package, or
// skips the test when node or the package is not installed.
func runNode(t *testing.T, key string, cases []nodeCase) []string {
	t.Helper()
	modules := nodeModulesDir(t)
	if _, err := os.Stat(filepath.Join(modules, nodePackage, "package.json")); err != nil {
		t.Skipf("%s@1.0.2 is not installed in %s (set TIMD_TLSSIG_NODE_MODULES, or run .ci/run, which installs it)", nodePackage, modules)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("node is not on PATH; .ci/run installs %s and needs node: %v", nodePackage, err)
	}
	input, err := json.Marshal(map[string]any{"key": key, "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, "-e", nodeScript, string(input))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.Bytes())
	}
	var sigs []string
	if err := json.Unmarshal(stdout, &sigs); err != nil || len(sigs) != len(cases) {
		t.Fatalf("node printed %q (%v), want a JSON array of %d strings", stdout, err, len(cases))
	}
	return sigs
}

func TestOfficialNodeSDK(t *testing.T) {
	const key = vecKey
	cases := []nodeCase{
		{Method: "genUserSig", SDKAppID: vecSDKAppID, Identifier: vecIdentifier, Expire: vecExpire, Time: vecTime},
		{Method: "genUserSig", SDKAppID: 1600012345, Identifier: "administrator", Expire: 86400, Time: 1750000000},
		{Method: "genUserSig", SDKAppID: 20000001, Identifier: "user_01-A", Expire: 1, Time: 1760000000},
		{Method: "genUserSig", SDKAppID: vecSDKAppID, Identifier: "用户", Expire: 0, Time: 1700000001},
		{Method: "genUserSig", SDKAppID: vecSDKAppID, Identifier: `qu"ote\back`, Expire: 50 * 365 * 86400, Time: 1700000002},
		{Method: "genSig", SDKAppID: vecSDKAppID, Identifier: "bob", Expire: 3600, Time: 1700000003},
		{Method: "genSigWithUserbuf", SDKAppID: vecSDKAppID, Identifier: vecIdentifier, Expire: vecExpire, Time: vecTime, UserBuf: []byte{5}},
		{Method: "genSigWithUserbuf", SDKAppID: vecSDKAppID, Identifier: "carol", Expire: 600, Time: 1700000004, UserBuf: []byte("\x00\x01binary\xff")},
		{Method: "genPrivateMapKey", SDKAppID: vecSDKAppID, Identifier: "dave", Expire: 300, Time: 1700000005},
		{Method: "genPrivateMapKeyWithStringRoomID", SDKAppID: vecSDKAppID, Identifier: "erin", Expire: 300, Time: 1700000006},
	}
	sigs := runNode(t, key, cases)
	// Cases 0 and 6 are the vector Tencent publishes with its UserSig docs.
	for i, want := range map[int]string{0: vecSig, 6: vecSigUserBuf} {
		if got := base64.StdEncoding.EncodeToString(mustDecode(t, sigs[i]).HMAC); got != want {
			t.Errorf("case %d: TLS.sig = %s, want the §2.9 vector %s", i, got, want)
		}
	}
	for i, c := range cases {
		t.Run(c.Method+"/"+c.Identifier, func(t *testing.T) {
			checkNodeSig(t, sigs[i], c, key)
		})
	}
}

// checkNodeSig verifies one Node.js UserSig and checks that each wrong input
// gives its sentinel.
func checkNodeSig(t *testing.T, s string, c nodeCase, key string) {
	t.Logf("node %s: %s", c.Method, s)
	sig, err := usersig.Verify(s, c.SDKAppID, c.Identifier, key, unix(c.Time+c.Expire))
	if err != nil {
		t.Fatalf("Verify at expiry: %v", err)
	}
	if sig.Time != c.Time || sig.Expire != c.Expire {
		t.Errorf("Time, Expire = %d, %d; want %d, %d", sig.Time, sig.Expire, c.Time, c.Expire)
	}
	checkNodeUserBuf(t, sig, c)
	if c.UserBuf == nil && !c.usesRoom() {
		// Same inputs through Mint must give the same document.
		minted := mustDecode(t, usersig.Mint(c.SDKAppID, c.Identifier, key, c.Expire, unix(c.Time)))
		if diff := cmp.Diff(minted, sig); diff != "" {
			t.Errorf("Node sig differs from Mint (-mint +node):\n%s", diff)
		}
	}
	failures := []struct {
		name       string
		sdkappid   uint64
		identifier string
		key        string
		now        int64
		want       error
	}{
		{"wrong key", c.SDKAppID, c.Identifier, key[1:] + "0", c.Time, usersig.ErrBadSignature},
		{"wrong identifier", c.SDKAppID, c.Identifier + "x", key, c.Time, usersig.ErrIdentifierMismatch},
		{"wrong sdkappid", c.SDKAppID + 1, c.Identifier, key, c.Time, usersig.ErrSDKAppIDMismatch},
		{"expired", c.SDKAppID, c.Identifier, key, c.Time + c.Expire + 1, usersig.ErrExpired},
	}
	for _, f := range failures {
		if _, err := usersig.Verify(s, f.sdkappid, f.identifier, f.key, unix(f.now)); !errors.Is(err, f.want) {
			t.Errorf("%s: got %v, want %v", f.name, err, f.want)
		}
	}
}

// usesRoom reports whether c is a PrivateMapKey, whose userbuf the package
// builds itself.
func (c nodeCase) usesRoom() bool {
	return c.Method == "genPrivateMapKey" || c.Method == "genPrivateMapKeyWithStringRoomID"
}

// checkNodeUserBuf checks the decoded userbuf against what the case asked for.
// A PrivateMapKey userbuf starts with a version byte and the big-endian
// length of the account, then the account (Tencent's docs, see docs/compatibility.md Sources).
func checkNodeUserBuf(t *testing.T, sig usersig.Sig, c nodeCase) {
	t.Helper()
	switch {
	case c.usesRoom():
		prefix := append([]byte{0, 0, byte(len(c.Identifier))}, c.Identifier...)
		if c.Method == "genPrivateMapKeyWithStringRoomID" {
			prefix[0] = 1
		}
		if !bytes.HasPrefix(sig.UserBuf, prefix) {
			t.Errorf("UserBuf = %x, want prefix %x", sig.UserBuf, prefix)
		}
	case c.UserBuf != nil:
		if !bytes.Equal(sig.UserBuf, c.UserBuf) {
			t.Errorf("UserBuf = %s, want %s", base64.StdEncoding.EncodeToString(sig.UserBuf), base64.StdEncoding.EncodeToString(c.UserBuf))
		}
	case sig.UserBuf != nil:
		t.Errorf("UserBuf = %x, want none", sig.UserBuf)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/usersig"
)

// callCommand is `timd call`.
func callCommand() command {
	return command{
		name: "call", synopsis: "[flags] COMMAND [JSON]", summary: "sign and send one REST call to a running server, print the answer",
		config: true, minArgs: 1, maxArgs: 2,
		help: `
Sign one REST call with the app's secret key, as the server reads it, send it to the
server and print the answer on stdout. COMMAND is service/command, with or without /v4/;
JSON is the request body, {} when not given.

The server's address is its listen address (a wildcard host is reached on loopback), over
https when tls_cert is set, unless -url says otherwise. Over TLS the server's own
certificate file is trusted besides the system's roots. Which app, admin and key source
are used is said on stderr; the key is never created: call fails when the key file does
not exist, as a new key would sign a UserSig the server refuses (70009).

The exit status is 0 for an OK answer and 1 for a FAIL answer (its ErrorCode and
ErrorInfo are printed on stderr), an HTTP error or no answer. Errors never show the UserSig.

Examples:
  timd call im_open_login_svc/account_check '{"CheckItem":[{"UserID":"alice"}]}'
  timd call -config timd.json group_open_http_svc/get_appid_group_list
  timd call -url https://chat.example.com -app 1400000001 group_open_http_svc/get_group_info '{"GroupIdList":["@TGS#2J4SZEAEL"]}'
`,
		setup: setupCall,
	}
}

// setupCall registers call's flags.
func setupCall(fs *flag.FlagSet) action {
	base := fs.String("url", "", "base `URL` of the server; default: https:// when tls_cert is set, else http://, and the listen address")
	identifier := fs.String("identifier", "", "admin `account` to call as; default: the app's first admin")
	appID := fs.Uint64("app", 0, "`SDKAppID` of the app to call as; default: the first app")
	insecure := fs.Bool("insecure", false, "do not verify the server's TLS certificate")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on the call after this `duration`")
	return func(ctx context.Context, c *cli, cfg config.Config, args []string) error {
		if err := cfg.ReadSecrets(); err != nil {
			return err
		}
		warn(c, cfg)
		app, err := pickApp(cfg, *appID)
		if err != nil {
			return err
		}
		if *identifier == "" {
			*identifier = app.Admins[0]
		}
		if *base == "" {
			*base = serverURL(cfg)
		}
		req := restCall{base: *base, command: strings.TrimPrefix(args[0], "/v4/"), body: "{}", app: app, identifier: *identifier}
		if len(args) == 2 {
			req.body = args[1]
		}
		c.notef("calling %s as %s of app %d, signed with the key from %s", req.command, req.identifier, app.SDKAppID, app.KeySource)
		return req.do(ctx, c, newClient(cfg, *timeout, *insecure))
	}
}

// restCall is one signed REST call.
type restCall struct {
	base, command, body string
	app                 config.App
	identifier          string
}

// do sends the call, prints the answer on stdout and returns an error unless the answer
// is HTTP 200 with ActionStatus OK.
func (rc restCall) do(ctx context.Context, c *cli, client *http.Client) error {
	sig := usersig.Mint(rc.app.SDKAppID, rc.identifier, rc.app.SecretKey, 300, time.Now())
	q := url.Values{}
	q.Set("sdkappid", strconv.FormatUint(rc.app.SDKAppID, 10))
	q.Set("identifier", rc.identifier)
	q.Set("usersig", sig)
	q.Set("random", strconv.FormatUint(uint64(time.Now().UnixNano())&0xffffffff, 10))
	q.Set("contenttype", "json")
	u := strings.TrimRight(rc.base, "/") + "/v4/" + rc.command + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(rc.body))
	if err != nil {
		return redactSig(err, sig)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("call %s: %w%s", rc.command, redactSig(err, sig), tlsHint(err))
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("call %s: read the answer: %w", rc.command, redactSig(err, sig))
	}
	if _, err := fmt.Fprintf(c.stdout, "%s\n", bytes.TrimSpace(out)); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("call %s: HTTP %s from %s", rc.command, resp.Status, rc.base)
	}
	return answerError(rc, out)
}

// answerError returns nil for an OK answer and otherwise an error giving its ErrorCode
// and ErrorInfo, with a hint for the codes a wrong key or app gives.
func answerError(rc restCall, answer []byte) error {
	var env struct {
		ActionStatus string
		ErrorCode    *int
		ErrorInfo    string
	}
	if err := json.Unmarshal(answer, &env); err != nil || env.ErrorCode == nil {
		return fmt.Errorf("call %s: the answer is not timd's JSON envelope: is %s a timd server?", rc.command, rc.base)
	}
	if env.ActionStatus == "OK" && *env.ErrorCode == 0 {
		return nil
	}
	hint := ""
	switch *env.ErrorCode {
	case 70009:
		hint = fmt.Sprintf("; the server has another secret key for app %d than the one from %s: give call the server's configuration (-config, -data, TIMD_SECRET_KEY)",
			rc.app.SDKAppID, rc.app.KeySource)
	case 70014, 70020:
		hint = fmt.Sprintf("; the server does not serve app %d as configured here: give call the server's configuration, or -app", rc.app.SDKAppID)
	case 60010:
		hint = fmt.Sprintf("; %s is not an admin of the app on the server: give -identifier, or the server's admins", rc.identifier)
	}
	return fmt.Errorf("call %s: %s, ErrorCode %d: %s%s", rc.command, env.ActionStatus, *env.ErrorCode, env.ErrorInfo, hint)
}

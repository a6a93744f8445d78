package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/usersig"
)

// call signs one REST call with the configured app's key, sends it to a running server
// and prints the answer: timd call [flags] COMMAND [JSON].
func call(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("timd call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "base URL of the server (default: http://<listen address>)")
	identifier := fs.String("identifier", "", "admin account to call as (default: the app's first admin)")
	appID := fs.Uint64("app", 0, "SDKAppID to call (default: the first app)")
	cfg, err := loadConfig(fs, args, lookupEnv)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 1 || len(rest) > 2 {
		return fmt.Errorf("usage: timd call [flags] COMMAND [JSON], e.g. timd call im_open_login_svc/account_check '{\"CheckItem\":[{\"UserID\":\"a\"}]}'")
	}
	command, body := strings.TrimPrefix(rest[0], "/v4/"), "{}"
	if len(rest) == 2 {
		body = rest[1]
	}
	app, err := pickApp(cfg, *appID)
	if err != nil {
		return err
	}
	if *identifier == "" {
		*identifier = app.Admins[0]
	}
	if *base == "" {
		*base = "http://" + cfg.Listen
	}
	q := url.Values{}
	q.Set("sdkappid", strconv.FormatUint(app.SDKAppID, 10))
	q.Set("identifier", *identifier)
	q.Set("usersig", usersig.Mint(app.SDKAppID, *identifier, app.SecretKey, 300, time.Now()))
	q.Set("random", strconv.FormatUint(uint64(time.Now().UnixNano())&0xffffffff, 10))
	q.Set("contenttype", "json")
	u := strings.TrimRight(*base, "/") + "/v4/" + command + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", bytes.TrimSpace(out))
	return err
}

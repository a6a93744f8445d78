package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
)

// Sign returns the Sign of a callback: lowercase hex SHA-256 of token followed by the
// decimal RequestTime. It is a plain hash, not an HMAC, as Tencent documents.
func Sign(token string, requestTime int64) string {
	sum := sha256.Sum256([]byte(token + strconv.FormatInt(requestTime, 10)))
	return hex.EncodeToString(sum[:])
}

// CallbackURL returns the URL of one callback: the configured URL with the query
// Tencent sends (SdkAppid, CallbackCommand, contenttype, ClientIP, OptPlatform) and, with
// a token, RequestTime and Sign.
func CallbackURL(cfg Config, sdkAppID uint64, command, clientIP string, now int64) string {
	q := url.Values{}
	q.Set("SdkAppid", strconv.FormatUint(sdkAppID, 10))
	q.Set("CallbackCommand", command)
	q.Set("contenttype", "json")
	q.Set("ClientIP", clientIP)
	q.Set("OptPlatform", "RESTAPI")
	if cfg.Token != "" {
		q.Set("RequestTime", strconv.FormatInt(now, 10))
		q.Set("Sign", Sign(cfg.Token, now))
	}
	sep := "?"
	if strings.Contains(cfg.URL, "?") {
		sep = "&"
	}
	return cfg.URL + sep + q.Encode()
}

package webhook

import (
	"net/url"
	"testing"
)

// TestSignDocumentedExample checks the example of Tencent's callback authentication page.
func TestSignDocumentedExample(t *testing.T) {
	got := Sign("xxxxyyyy", 1669872112)
	want := "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestCallbackURL(t *testing.T) {
	u := CallbackURL(Config{URL: "http://h/cb?x=1", Token: "xxxxyyyy"}, 1400000000, "Group.CallbackAfterCreateGroup", "10.0.0.1", 1669872112)
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	want := map[string]string{
		"x": "1", "SdkAppid": "1400000000", "CallbackCommand": "Group.CallbackAfterCreateGroup",
		"contenttype": "json", "ClientIP": "10.0.0.1", "OptPlatform": "RESTAPI",
		"RequestTime": "1669872112", "Sign": "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061",
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("query %s = %q, want %q", k, got, v)
		}
	}
	if len(q) != len(want) {
		t.Errorf("query has %d keys, want %d: %v", len(q), len(want), q)
	}
	noToken, _ := url.Parse(CallbackURL(Config{URL: "http://h/cb"}, 1, "c", "ip", 5))
	if noToken.Query().Has("Sign") || noToken.Query().Has("RequestTime") {
		t.Errorf("without a token the query has Sign or RequestTime: %s", noToken.RawQuery)
	}
}

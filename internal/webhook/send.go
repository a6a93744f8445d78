package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// Answer is what an app's callback endpoint answers.
type Answer struct {
	ActionStatus string `json:"ActionStatus"`
	ErrorCode    int    `json:"ErrorCode"`
	ErrorInfo    string `json:"ErrorInfo"`
	// RefusedMembers lists the accounts a Group.CallbackBeforeInviteJoinGroup refuses.
	RefusedMembers []string `json:"RefusedMembers_Account"`
}

// Sender posts callbacks.
type Sender struct {
	client *http.Client
	clock  im.Clock
	log    *slog.Logger
}

// NewSender returns a Sender using client (nil: a client with keep-alive connections
// that does not follow redirects).
func NewSender(client *http.Client, clock im.Clock, log *slog.Logger) *Sender {
	if client == nil {
		client = &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
			// Following a redirect would turn the POST into a GET without the body and
			// count the target's answer as the app's: a redirect is a failed callback.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if clock == nil {
		clock = im.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{client: client, clock: clock, log: log}
}

// Post sends one callback and decodes the answer. It fails unless the endpoint answers
// HTTP 200 with a JSON object within cfg.Timeout.
func (s *Sender) Post(ctx context.Context, cfg Config, sdkAppID uint64, command, clientIP string, body []byte) (Answer, error) {
	cfg = cfg.WithDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	u := CallbackURL(cfg, sdkAppID, command, clientIP, s.clock.Now().Unix())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Answer{}, fmt.Errorf("callback %s: %w", command, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("callback %s: %w", command, redact(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Answer{}, fmt.Errorf("callback %s: read answer: %w", command, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Answer{}, fmt.Errorf("callback %s: HTTP %d", command, resp.StatusCode)
	}
	var a Answer
	if err := json.Unmarshal(data, &a); err != nil {
		return Answer{}, fmt.Errorf("callback %s: answer is not JSON", command)
	}
	return a, nil
}

// redact strips the URL, whose query carries the Sign, from a transport error.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

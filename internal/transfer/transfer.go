// Package transfer copies one app's data between a store and a JSON document, for `timd
// export` and `timd import`: backups, and moves between SQLite and PostgreSQL.
//
// A Document holds the app's accounts, its groups with every base field and custom data,
// each group's members with every field, in join order, and each group's mute records.
// It does not hold the IDs of destroyed groups (a minted ID is random, so one coming back
// is unlikely, not impossible), pending callbacks, or anything of other apps.
//
// Import writes through the same im.Tx methods the services use, in one transaction:
// groups in their Seq order and members in their join order, so both orders survive
// (the numbers themselves may differ). It trusts the document to be timd's: it checks
// the format and shape (types, roles, repeats), not every rule of the group system.
package transfer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/timdhq/timd/internal/im"
)

// Format names the document format; Read refuses any other.
const Format = "timd-export/1"

// Document is one app's data. Its JSON form is the file `timd export` writes.
type Document struct {
	Format   string    `json:"format"`   // always Format
	SDKAppID uint64    `json:"sdkappid"` // the app exported
	Exported int64     `json:"exported"` // unix seconds of the export
	Accounts []Account `json:"accounts"` // in byte order of UserID
	Groups   []Group   `json:"groups"`   // in creation (Seq) order
}

// Account is an imported account.
type Account struct {
	UserID  string `json:"user_id"`
	Nick    string `json:"nick,omitempty"`
	FaceURL string `json:"face_url,omitempty"`
	Created int64  `json:"created"` // unix seconds of the first import
}

// Group is a group with its members and mute records. Times are unix seconds.
type Group struct {
	ID               string            `json:"id"`
	Type             string            `json:"type"` // Private, Public, ChatRoom, AVChatRoom, Community
	Name             string            `json:"name"`
	Introduction     string            `json:"introduction,omitempty"`
	Notification     string            `json:"notification,omitempty"`
	FaceURL          string            `json:"face_url,omitempty"`
	Owner            string            `json:"owner,omitempty"`
	CreateTime       int64             `json:"create_time"`
	InfoSeq          int64             `json:"info_seq"`
	LastInfoTime     int64             `json:"last_info_time"`
	LastMsgTime      int64             `json:"last_msg_time"`
	NextMsgSeq       int64             `json:"next_msg_seq"`
	MaxMemberNum     int64             `json:"max_member_num"`
	ApplyJoinOption  string            `json:"apply_join_option"`
	InviteJoinOption string            `json:"invite_join_option,omitempty"`
	MuteAllMember    bool              `json:"mute_all_member,omitempty"`
	SupportTopic     bool              `json:"support_topic,omitempty"` // a Community's; its topics are not carried
	AppData          map[string]string `json:"app_data,omitempty"`
	Members          []Member          `json:"members"`         // in join order
	Mutes            []Mute            `json:"mutes,omitempty"` // by account
	// Messages are sent to the group by a seed, in order; an export holds none, and
	// Import refuses a document with any.
	Messages []Message `json:"messages,omitempty"`
}

// Message is a message a seed sends to its group, as send_group_msg would.
type Message struct {
	From            string          `json:"from"`             // the sender, an imported account; required
	Random          uint32          `json:"random,omitempty"` // default: its place in the list, from 1
	MsgBody         json.RawMessage `json:"msg_body"`         // Tencent's MsgBody array
	CloudCustomData string          `json:"cloud_custom_data,omitempty"`
}

// Member is one membership of a group.
type Member struct {
	Account         string            `json:"account"`
	Role            string            `json:"role"` // Owner, Admin or Member
	JoinTime        int64             `json:"join_time"`
	MsgSeq          int64             `json:"msg_seq"`
	MsgFlag         string            `json:"msg_flag"`
	LastSendMsgTime int64             `json:"last_send_msg_time"`
	NameCard        string            `json:"name_card,omitempty"`
	AppData         map[string]string `json:"app_data,omitempty"`
	UnreadMsgNum    int64             `json:"unread_msg_num"`
}

// Mute is a mute record: Account may not send to the group until Until (unix seconds;
// 4294967295 for no end). A mute record may outlive the membership.
type Mute struct {
	Account string `json:"account"`
	Until   int64  `json:"until"`
}

// Summary counts what a document holds.
type Summary struct {
	Accounts, Groups, Members, Mutes int
}

// Summary counts the document's accounts, groups, members and mute records.
func (d *Document) Summary() Summary {
	s := Summary{Accounts: len(d.Accounts), Groups: len(d.Groups)}
	for _, g := range d.Groups {
		s.Members += len(g.Members)
		s.Mutes += len(g.Mutes)
	}
	return s
}

// String describes s for people.
func (s Summary) String() string {
	return fmt.Sprintf("%d accounts, %d groups, %d members, %d mute records", s.Accounts, s.Groups, s.Members, s.Mutes)
}

// Progress is how far an Export or Import has come: what it has read or written so
// far, and the totals it knows. An Import knows every total from its document; an Export
// learns TotalGroups once it has listed the groups, and no other total.
type Progress struct {
	Accounts, Groups, Members                int
	TotalAccounts, TotalGroups, TotalMembers int
}

// progress is the Progress of a running Export or Import and where to report it.
type progress struct {
	Progress
	report func(Progress)
}

// send reports the progress so far, if anyone listens.
func (p *progress) send() {
	if p.report != nil {
		p.report(p.Progress)
	}
}

// Write writes d to w as indented JSON.
func Write(w io.Writer, d *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// docWriter writes a Document as Write does, a part at a time: head (the fields before
// the groups, and the accounts), then each group, then end. Each part is encoded alone
// with the indentation it has inside the whole.
type docWriter struct {
	w       io.Writer
	buf     bytes.Buffer
	enc     *json.Encoder // into buf, at the indentation of an array's element
	started bool          // a group has been written
}

// newDocWriter returns a docWriter onto w.
func newDocWriter(w io.Writer) *docWriter {
	dw := &docWriter{w: w}
	dw.enc = json.NewEncoder(&dw.buf)
	dw.enc.SetIndent("    ", "  ")
	dw.enc.SetEscapeHTML(false)
	return dw
}

// element encodes v into dw.buf as an element of a top-level array, without the newline
// the encoder ends with.
func (dw *docWriter) element(v any) error {
	if err := dw.enc.Encode(v); err != nil {
		return err
	}
	dw.buf.Truncate(dw.buf.Len() - 1)
	return nil
}

// head writes the document's opening, its scalar fields and its accounts, and opens the
// groups.
func (dw *docWriter) head(format string, app uint64, exported int64, accounts []Account) error {
	dw.buf.Reset()
	f, err := json.Marshal(format)
	if err != nil {
		return err
	}
	fmt.Fprintf(&dw.buf, "{\n  \"format\": %s,\n  \"sdkappid\": %d,\n  \"exported\": %d,\n  \"accounts\": [", f, app, exported)
	for i := range accounts {
		dw.buf.WriteString(",\n    "[1-min(i, 1):])
		if err := dw.element(&accounts[i]); err != nil {
			return err
		}
	}
	if len(accounts) > 0 {
		dw.buf.WriteString("\n  ")
	}
	dw.buf.WriteString("],\n  \"groups\": [")
	_, err = dw.w.Write(dw.buf.Bytes())
	return err
}

// group writes one group of the groups array.
func (dw *docWriter) group(g Group) error {
	dw.buf.Reset()
	if dw.started {
		dw.buf.WriteString(",")
	}
	dw.buf.WriteString("\n    ")
	dw.started = true
	if err := dw.element(&g); err != nil {
		return err
	}
	_, err := dw.w.Write(dw.buf.Bytes())
	return err
}

// end closes the groups and the document.
func (dw *docWriter) end() error {
	tail := "]\n}\n"
	if dw.started {
		tail = "\n  ]\n}\n"
	}
	_, err := io.WriteString(dw.w, tail)
	return err
}

// Read reads a document from r and checks it (see Check).
func Read(r io.Reader) (*Document, error) {
	d, err := decode(r)
	if err != nil {
		return nil, fmt.Errorf("read export: %w", err)
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	return d, nil
}

// decode reads one Document from r, refusing unknown keys, as a json.Decoder would
// decode it whole, but its accounts and groups one element at a time: a Decoder holds
// the whole text of the value it decodes, which for one Decode of a document is the whole
// file, besides the document itself.
func decode(r io.Reader) (*Document, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := delim(dec, '{', "a document"); err != nil {
		return nil, err
	}
	var d Document
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		// encoding/json matches a struct's keys without regard to case; so does this.
		switch {
		case strings.EqualFold(key, "format"):
			err = dec.Decode(&d.Format)
		case strings.EqualFold(key, "sdkappid"):
			err = dec.Decode(&d.SDKAppID)
		case strings.EqualFold(key, "exported"):
			err = dec.Decode(&d.Exported)
		case strings.EqualFold(key, "accounts"):
			d.Accounts, err = decodeArray[Account](dec, "accounts")
		case strings.EqualFold(key, "groups"):
			d.Groups, err = decodeArray[Group](dec, "groups")
		default:
			err = fmt.Errorf("json: unknown field %q", key)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := delim(dec, '}', "the end of the document"); err != nil {
		return nil, err
	}
	return &d, nil
}

// decodeArray decodes the JSON array (or null) that comes next in dec, an element at a
// time.
func decodeArray[T any](dec *json.Decoder, name string) ([]T, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("json: %s is not an array", name)
	}
	out := []T{}
	for dec.More() {
		var v T
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", name, len(out), err)
		}
		out = append(out, v)
	}
	return out, delim(dec, ']', "the end of "+name)
}

// delim reads the next token of dec and fails unless it is d, naming what was wanted.
func delim(dec *json.Decoder, d json.Delim, want string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("json: want %s (%q), got %v", want, d, tok)
	}
	return nil
}

// Check reports the first problem of shape in d: another format, no SDKAppID, an
// unknown group type, role or message flag, or an account, group, member or mute record
// given twice.
func (d *Document) Check() error {
	if d.Format != Format {
		return fmt.Errorf("not a timd export: format %q, want %q", d.Format, Format)
	}
	if d.SDKAppID == 0 {
		return fmt.Errorf("export: sdkappid is missing")
	}
	accounts := make(map[string]bool, len(d.Accounts))
	for _, a := range d.Accounts {
		if a.UserID == "" || accounts[a.UserID] {
			return fmt.Errorf("export: account %q is empty or given twice", a.UserID)
		}
		accounts[a.UserID] = true
	}
	groups := make(map[string]bool, len(d.Groups))
	for i := range d.Groups {
		g := &d.Groups[i]
		if g.ID == "" || groups[g.ID] {
			return fmt.Errorf("export: group %q is empty or given twice", g.ID)
		}
		groups[g.ID] = true
		if err := g.check(); err != nil {
			return fmt.Errorf("export: group %q: %w", g.ID, err)
		}
	}
	return nil
}

// check reports the first problem of shape in g.
func (g *Group) check() error {
	if t, ok := im.ParseGroupType(g.Type); !ok || string(t) != g.Type {
		return fmt.Errorf("type %q is not one of %v", g.Type, im.GroupTypes)
	}
	members := make(map[string]bool, len(g.Members))
	for _, m := range g.Members {
		if m.Account == "" || members[m.Account] {
			return fmt.Errorf("member %q is empty or given twice", m.Account)
		}
		members[m.Account] = true
		switch im.Role(m.Role) {
		case im.RoleOwner, im.RoleAdmin, im.RoleMember:
		default:
			return fmt.Errorf("member %q: role %q is not Owner, Admin or Member", m.Account, m.Role)
		}
		if m.MsgFlag != "" && !im.ValidMsgFlag(im.MsgFlag(m.MsgFlag)) {
			return fmt.Errorf("member %q: msg_flag %q is not one Tencent documents", m.Account, m.MsgFlag)
		}
	}
	muted := make(map[string]bool, len(g.Mutes))
	for _, mu := range g.Mutes {
		if mu.Account == "" || muted[mu.Account] || mu.Until <= 0 {
			return fmt.Errorf("mute record of %q is empty, given twice or ends at %d", mu.Account, mu.Until)
		}
		muted[mu.Account] = true
	}
	return nil
}

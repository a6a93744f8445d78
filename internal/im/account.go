package im

// Account is an imported user account.
type Account struct {
	App     uint64
	UserID  string
	Nick    string
	FaceURL string
	Created int64 // unix seconds of the first import
}

// ValidUserID reports whether id is a UserID the app accepts: 1..UserIDMax bytes of
// printable ASCII (docs/compatibility.md §4). Both the account and the group rules use it.
func ValidUserID(l Limits, id string) bool {
	return id != "" && len(id) <= l.UserIDMax && PrintableASCII(id)
}

// PrintableASCII reports whether s is made only of bytes 0x20..0x7e.
func PrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

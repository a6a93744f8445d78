package im

// Account is an imported user account.
type Account struct {
	App     uint64
	UserID  string
	Nick    string
	FaceURL string
	Created int64 // unix seconds of the first import
}

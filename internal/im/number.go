package im

// Number is a number of a request as the adapter read it: Int is its value when Exact
// (an integer that fits in 64 bits), and Text is the number as written, for an ErrorInfo.
// A fraction or a number beyond 64 bits is not Exact; the rules decide what that means.
type Number struct {
	Int   int64
	Exact bool
	Text  string
}

// MuteEnd turns a mute of seconds from now (MuteTime, GroupmsgNospeakingTime) into the
// stored end: 0 for none, MuteForever for no end, and no end past MuteForever.
func MuteEnd(now, seconds int64) int64 {
	switch {
	case seconds == 0:
		return 0
	case seconds == MuteForever || now+seconds >= MuteForever:
		return MuteForever
	}
	return now + seconds
}

package usersig

import "strconv"

// numState records what the JSON held for a number field.
type numState uint8

const (
	numAbsent  numState = iota // key absent, or null
	numOK                      // an integer in range
	numInvalid                 // anything else
)

// flexInt64 is a JSON integer that may also arrive as a string of decimal
// digits, as some signers emit. Its UnmarshalJSON never fails, so that
// parseDocument can name the offending field.
type flexInt64 struct {
	v     int64
	state numState
}

// UnmarshalJSON accepts an integer number, or a string of digits with an
// optional leading minus sign.
func (f *flexInt64) UnmarshalJSON(b []byte) error {
	text, state := integerText(b, true)
	f.v, f.state = 0, state
	if state == numOK {
		var err error
		if f.v, err = strconv.ParseInt(text, 10, 64); err != nil {
			f.state = numInvalid
		}
	}
	return nil
}

// flexUint64 is the unsigned counterpart of flexInt64.
type flexUint64 struct {
	v     uint64
	state numState
}

// UnmarshalJSON accepts a non-negative integer number or a string of digits.
func (f *flexUint64) UnmarshalJSON(b []byte) error {
	text, state := integerText(b, false)
	f.v, f.state = 0, state
	if state == numOK {
		var err error
		if f.v, err = strconv.ParseUint(text, 10, 64); err != nil {
			f.state = numInvalid
		}
	}
	return nil
}

// integerText returns the text of the JSON value b, without the quotes of a
// string, and whether it is decimal digits (after a minus sign if signed).
// Range is left to strconv.
func integerText(b []byte, signed bool) (string, numState) {
	if string(b) == "null" {
		return "", numAbsent
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if !decimal(b, signed) {
		return "", numInvalid
	}
	return string(b), numOK
}

// decimal reports whether b is one or more ASCII digits, after a minus sign
// if signed allows one.
func decimal(b []byte, signed bool) bool {
	if signed && len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

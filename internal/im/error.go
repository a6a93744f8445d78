package im

import (
	"errors"
	"fmt"
)

// Storage sentinels. Stores return these (wrapped); they never pick a Tencent code.
var (
	// ErrNotFound reports that the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports that a row with the same key already exists.
	ErrConflict = errors.New("conflict")
)

// Error is an error that carries a Tencent code and a message safe to show the client.
type Error struct {
	Code Code   // the ErrorCode answered
	Info string // the ErrorInfo answered
	Err  error  // the cause, logged but never shown; may be nil
}

// Errorf returns an *Error with code and a formatted ErrorInfo.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Info: fmt.Sprintf(format, args...)}
}

// Error returns the ErrorInfo, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Info + ": " + e.Err.Error()
	}
	return e.Info
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the code of err: CodeOK for nil, the code of the first *Error in its chain,
// or CodeInternal for any other error.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// InfoOf returns the ErrorInfo to answer for err: "" for nil, the Info of a coded error, and
// a generic text for anything else, so internal details never reach a client.
func InfoOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Info
	}
	return "internal server error, please retry"
}

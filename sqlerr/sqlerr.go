// Package sqlerr defines the error type every layer of GenevaSQL returns to users:
// a MySQL-style error number and SQLSTATE, a message, and where in the user's text
// the problem is. Layers that know the position fill it in; the engine adds the
// statement's offset so that line and column are relative to the whole script.
package sqlerr

import (
	"errors"
	"fmt"
)

// Common MySQL error numbers. Using MySQL's numbers lets drivers and users
// recognise errors they already know.
const (
	ErrParse            = 1064 // ER_PARSE_ERROR
	ErrNoSuchTable      = 1146 // ER_NO_SUCH_TABLE
	ErrBadField         = 1054 // ER_BAD_FIELD_ERROR
	ErrNonUniqField     = 1052 // ER_NON_UNIQ_ERROR (ambiguous column)
	ErrTableExists      = 1050 // ER_TABLE_EXISTS_ERROR
	ErrBadTable         = 1051 // ER_BAD_TABLE_ERROR (unknown table in DROP)
	ErrNoSuchFunction   = 1305 // ER_SP_DOES_NOT_EXIST
	ErrWrongParamCount  = 1582 // ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT
	ErrWrongArguments   = 1210 // ER_WRONG_ARGUMENTS
	ErrDivisionByZero   = 1365 // ER_DIVISION_BY_ZERO
	ErrTruncatedValue   = 1292 // ER_TRUNCATED_WRONG_VALUE
	ErrDataOutOfRange   = 1690 // ER_DATA_OUT_OF_RANGE
	ErrWrongValueCount  = 1136 // ER_WRONG_VALUE_COUNT_ON_ROW
	ErrBadNull          = 1048 // ER_BAD_NULL_ERROR
	ErrNotSupported     = 1235 // ER_NOT_SUPPORTED_YET
	ErrSubqueryNRows    = 1242 // ER_SUBQUERY_NO_1_ROW
	ErrOperandColumns   = 1241 // ER_OPERAND_COLUMNS
	ErrInvalidGroupFunc = 1111 // ER_INVALID_GROUP_FUNC_USE
	ErrWrongFieldGroup  = 1055 // ER_WRONG_FIELD_WITH_GROUP
	ErrUnknownSystem    = 1105 // ER_UNKNOWN_ERROR
	ErrQueryCanceled    = 1317 // ER_QUERY_INTERRUPTED
	ErrConflict         = 1213 // ER_LOCK_DEADLOCK: a concurrent commit won
	ErrFileNotFound     = 1017 // ER_FILE_NOT_FOUND
	ErrWrongObject      = 1347 // ER_WRONG_OBJECT (e.g. not a view)
	ErrUnsupportedType  = 1525 // ER_WRONG_VALUE
)

// Error is a user-facing error. Line and Column are 1-based; zero means unknown.
type Error struct {
	Code     int
	SQLState string
	Msg      string
	Line     int
	Column   int
	// Near is the text at the error position, when known (MySQL's "near '...'").
	Near string
	// Cause is an underlying error, if any (kept for errors.Is/As).
	Cause error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("ERROR %d (%s): %s", e.Code, e.state(), e.Msg)
	if e.Line > 0 {
		s += fmt.Sprintf(" at line %d column %d", e.Line, e.Column)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

func (e *Error) state() string {
	if e.SQLState != "" {
		return e.SQLState
	}
	switch e.Code {
	case ErrParse:
		return "42000"
	case ErrNoSuchTable, ErrBadTable:
		return "42S02"
	case ErrBadField:
		return "42S22"
	case ErrTableExists:
		return "42S01"
	case ErrDivisionByZero:
		return "22012"
	case ErrDataOutOfRange:
		return "22003"
	case ErrTruncatedValue:
		return "22007"
	case ErrQueryCanceled:
		return "70100"
	}
	return "HY000"
}

// New returns an Error with the given code and formatted message.
func New(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// At returns a copy of e positioned at line/column (1-based).
func (e *Error) At(line, col int) *Error {
	c := *e
	c.Line, c.Column = line, col
	return &c
}

// Wrap converts any error into *Error, keeping an existing *Error as is.
func Wrap(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: ErrUnknownSystem, Msg: err.Error(), Cause: err}
}

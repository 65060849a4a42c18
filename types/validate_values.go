package types

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// MaxShelfLifeDays bounds a batch's shelf life (rules v2): ten years covers
// canned and frozen goods, and keeps every derived expiry a calendar date.
const MaxShelfLifeDays = 3650

// MinDate and MaxDate bound every date the chain records (rules v2).
const (
	MinDate = "0001-01-01"
	MaxDate = "9999-12-31"
)

// ParseDate reads a calendar date YYYY-MM-DD in years 0001-9999.
func ParseDate(s string) (time.Time, bool) {
	if len(s) != len(time.DateOnly) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1 {
		return time.Time{}, false
	}
	return t, true
}

// ParseDay reads a date as Day wrote it, whatever the year's length (a block
// time past year 9999 gives a five-digit year): digits, '-', MM, '-', DD.
func ParseDay(s string) (time.Time, bool) {
	i := strings.IndexByte(s, '-')
	if i < 1 || len(s) != i+6 || s[i+3] != '-' {
		return time.Time{}, false
	}
	y, err1 := strconv.Atoi(s[:i])
	m, err2 := strconv.Atoi(s[i+1 : i+3])
	d, err3 := strconv.Atoi(s[i+4:])
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// checkValues applies the v2 checks that hold for every message alike: each
// string anywhere in it is free of control and invisible format characters
// (they are shown to consumers, and bidi overrides make text read other than
// it is stored), each date field is a calendar date in years 0001-9999, and
// product facts give an expiry that is a date on or after production.
func checkValues(m proto.Message) error {
	return walkValues(m.ProtoReflect(), "")
}

func walkValues(r protoreflect.Message, path string) error {
	if f, ok := r.Interface().(*ProductFacts); ok {
		if err := checkFactDates(f, path); err != nil {
			return err
		}
	}
	var err error
	r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := path + string(fd.Name())
		switch {
		case fd.IsMap():
			// no message has maps; a future one is checked when it is added
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = checkValue(fd, l.Get(i), name)
			}
		default:
			err = checkValue(fd, v, name)
		}
		return err == nil
	})
	return err
}

func checkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, name string) error {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return walkValues(v.Message(), name+".")
	case protoreflect.StringKind:
		s := v.String()
		if err := CheckVisibleText(name, s); err != nil {
			return err
		}
		if n := string(fd.Name()); s != "" && (n == "date" || strings.HasSuffix(n, "_date")) {
			if _, ok := ParseDate(s); !ok {
				return ErrInvalidField.Wrapf("%s %q is not a calendar date YYYY-MM-DD between %s and %s", name, s, MinDate, MaxDate)
			}
		}
	}
	return nil
}

// CheckVisibleText refuses control characters, invisible format characters
// (bidirectional overrides and isolates, zero-width spaces and joiners, the
// byte-order mark, soft hyphens), line and paragraph separators and
// noncharacters: what a person reading the text could not see or would see
// reordered.
func CheckVisibleText(field, s string) error {
	if !utf8.ValidString(s) {
		return ErrInvalidField.Wrapf("%s is not valid UTF-8", field)
	}
	for i, r := range s {
		switch {
		case unicode.IsControl(r):
			return ErrInvalidField.Wrapf("%s contains the control character U+%04X at byte %d", field, r, i)
		case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r), isNonchar(r):
			return ErrInvalidField.Wrapf("%s contains the invisible character U+%04X at byte %d", field, r, i)
		}
	}
	return nil
}

func isNonchar(r rune) bool {
	return (r >= 0xFDD0 && r <= 0xFDEF) || r&0xFFFE == 0xFFFE
}

// checkFactDates: production on or before expiry, a bounded shelf life, and
// a derived expiry that is still a calendar date.
func checkFactDates(f *ProductFacts, path string) error {
	if f.ShelfLifeDays > MaxShelfLifeDays {
		return ErrInvalidField.Wrapf("%sshelf_life_days is %d, limit %d (ten years)", path, f.ShelfLifeDays, MaxShelfLifeDays)
	}
	prod, okP := ParseDate(f.ProductionDate)
	if !okP {
		return nil // the date check reports it, or the field is optional here
	}
	exp, ok := f.ExpiryTime()
	if !ok {
		if f.ExpiryDate == "" && f.ShelfLifeDays > 0 {
			return ErrInvalidField.Wrapf("%sproduction_date %s plus %d days is after %s", path, f.ProductionDate, f.ShelfLifeDays, MaxDate)
		}
		return nil
	}
	if exp.Before(prod) {
		return ErrInvalidField.Wrapf("%sproduction_date %s is after the expiry date %s", path, f.ProductionDate, exp.Format(time.DateOnly))
	}
	return nil
}

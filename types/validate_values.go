package types

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// MaxShelfLifeDays bounds a batch's shelf life (rules v2): ten years covers
// canned and frozen goods, and keeps every derived expiry a calendar date.
const MaxShelfLifeDays = 3650

// MaxCenti bounds every temperature in centi-degrees (rules v2): ±100 °C.
const MaxCenti = 10000

// minUnix and maxUnix are MinDate 00:00:00 and MaxDate 23:59:59 UTC.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

// UnixTime is a time in Unix seconds as a UTC time within years 0001-9999:
// rules v1 let sensor windows carry any int64, and a time past 9999 cannot
// be written as RFC 3339 (JSON, EPCIS), so such a value shows at the bound.
func UnixTime(s int64) time.Time {
	return time.Unix(min(max(s, minUnix), maxUnix), 0).UTC()
}

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
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, fname := v.Int(), string(fd.Name())
		if strings.HasSuffix(fname, "_unix") && (n < minUnix || n > maxUnix) {
			return ErrInvalidField.Wrapf("%s %d is not a time between %s and %s (Unix seconds)", name, n, MinDate, MaxDate)
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if n := v.Int(); strings.HasSuffix(string(fd.Name()), "_centi") && (n < -MaxCenti || n > MaxCenti) {
			return ErrInvalidField.Wrapf("%s %d is not a temperature between -100.00 and 100.00 °C (centi-degrees)", name, n)
		}
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

// CheckVisibleText refuses text a person could not read as stored: control
// characters; invisible and format characters — bidirectional overrides,
// isolates and marks, zero-width spaces and joiners, the byte-order mark,
// soft hyphen, word joiner and invisible operators, variation selectors, tag
// characters, Hangul fillers, the braille blank, interlinear annotations —
// line and paragraph separators; private-use characters and noncharacters;
// and text that is nothing but spaces. The list is explicit, not Unicode's
// categories, so that a newer Unicode in a newer toolchain never changes
// what the chain accepts.
func CheckVisibleText(field, s string) error {
	if !utf8.ValidString(s) {
		return ErrInvalidField.Wrapf("%s is not valid UTF-8", field)
	}
	blank := true
	for i, r := range s {
		switch {
		case r < 0x20 || (r >= 0x7F && r <= 0x9F):
			return ErrInvalidField.Wrapf("%s contains the control character U+%04X at byte %d", field, r, i)
		case invisible(r):
			return ErrInvalidField.Wrapf("%s contains the invisible character U+%04X at byte %d", field, r, i)
		case !isSpace(r):
			blank = false
		}
	}
	if blank && s != "" {
		return ErrInvalidField.Wrapf("%s is only spaces", field)
	}
	return nil
}

// invisibleRanges are the code points CheckVisibleText refuses besides controls.
var invisibleRanges = [][2]rune{
	{0x00AD, 0x00AD},    // soft hyphen
	{0x034F, 0x034F},    // combining grapheme joiner
	{0x061C, 0x061C},    // Arabic letter mark
	{0x115F, 0x1160},    // Hangul choseong and jungseong fillers
	{0x17B4, 0x17B5},    // Khmer inherent vowels
	{0x180B, 0x180F},    // Mongolian variation selectors, vowel separator
	{0x200B, 0x200F},    // zero-width space, (non-)joiner, LRM, RLM
	{0x2028, 0x202E},    // line and paragraph separators, bidi embeddings and overrides
	{0x2060, 0x206F},    // word joiner, invisible operators, bidi isolates, deprecated formats
	{0x2800, 0x2800},    // braille pattern blank
	{0x3164, 0x3164},    // Hangul filler
	{0xE000, 0xF8FF},    // private use
	{0xFDD0, 0xFDEF},    // noncharacters
	{0xFE00, 0xFE0F},    // variation selectors
	{0xFEFF, 0xFEFF},    // byte-order mark, zero-width no-break space
	{0xFFA0, 0xFFA0},    // halfwidth Hangul filler
	{0xFFF0, 0xFFFB},    // unassigned specials, interlinear annotation
	{0x1BCA0, 0x1BCA3},  // shorthand format controls
	{0x1D173, 0x1D17A},  // musical symbol formats
	{0xE0000, 0xE007F},  // tags
	{0xE0100, 0xE01EF},  // variation selectors supplement
	{0xF0000, 0x10FFFF}, // supplementary private use
}

func invisible(r rune) bool {
	if r&0xFFFE == 0xFFFE { // U+xxFFFE and U+xxFFFF are noncharacters in every plane
		return true
	}
	for _, rg := range invisibleRanges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// isSpace: the spaces a name of nothing but would show as blank.
func isSpace(r rune) bool {
	switch r {
	case ' ', 0x00A0, 0x1680, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
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
	if exp.After(prod.AddDate(0, 0, MaxShelfLifeDays)) {
		return ErrInvalidField.Wrapf("%sexpiry_date %s is more than %d days (ten years) after production_date %s", path, exp.Format(time.DateOnly), MaxShelfLifeDays, f.ProductionDate)
	}
	return nil
}

package types

import (
	"net/url"
	"strconv"
	"strings"
)

// What scanners send.
//
// A hardware scanner (keyboard wedge) or a camera decoder reading a GS1
// barcode sends the GS1 element string, not a URI: the AIs without
// parentheses, each value directly after its AI. A value of predefined
// length (GTIN, SSCC, dates, weights) needs no end mark; a variable-length
// value (batch, serial, CPV, counts) ends at the FNC1 of the symbol, sent as
// the GS character (0x1D), or at the end of the data. Scanners set up to do
// so put the symbology identifier of GS1 General Specifications figure
// 5.1.2-2 (ISO/IEC 15424) first:
//
//	]C1  GS1-128
//	]e0  GS1 DataBar
//	]d2  GS1 DataMatrix
//	]Q3  GS1 QR Code
//	]J1  GS1 DotCode
//
// A plain QR Code or Data Matrix holding a Digital Link URI comes as ]Q1 or
// ]d1 followed by the URI. EAN/UPC (]E0, ]E3, ]E4) and ITF-14 (]I1) carry a
// bare GTIN, a product class, and are refused with that reason.

// gs1Symbologies are the symbology identifiers whose data is a GS1 element
// string, with the carrier's name for messages.
var gs1Symbologies = []struct{ id, name string }{
	{"]C1", "GS1-128"},
	{"]e0", "GS1 DataBar"},
	{"]d2", "GS1 DataMatrix"},
	{"]Q3", "GS1 QR Code"},
	{"]J1", "GS1 DotCode"},
}

// uriSymbologies carry plain data: a Digital Link URI.
var uriSymbologies = []struct{ id, name string }{
	{"]Q1", "QR Code"},
	{"]d1", "Data Matrix"},
}

// linearSymbologies carry only a GTIN.
var linearSymbologies = []struct{ id, name string }{
	{"]E0", "EAN-13/UPC"},
	{"]E3", "EAN-13/UPC with add-on"},
	{"]E4", "EAN-8"},
	{"]I1", "ITF-14"},
}

// aiSpec describes the value of one AI: Fixed characters, or 1..Max when
// Fixed is 0; digits only when Numeric.
type aiSpec struct {
	AI      string
	Name    string
	Fixed   int
	Max     int
	Numeric bool
	Date    bool // YYMMDD, the day may be 00 (end of month)
}

// aiTable is every AI an element string may hold for ParseCode: those of a
// code, and the data attributes found on food and logistic labels, which
// are checked and left out of the Code. An AI outside it is refused: its
// length could not be known. Measures (31nn, 33nn) are four-digit AIs whose
// last digit places the decimal point (0-5).
var aiTable = func() []aiSpec {
	t := []aiSpec{
		{AI: aiSSCC, Name: "SSCC", Fixed: ssccLen, Numeric: true},
		{AI: aiGTIN, Name: "GTIN", Fixed: gtinLen, Numeric: true},
		{AI: "02", Name: "content GTIN", Fixed: gtinLen, Numeric: true},
		{AI: aiBatch, Name: "batch", Max: maxAIValueLen},
		{AI: "11", Name: "production date", Fixed: 6, Numeric: true, Date: true},
		{AI: "13", Name: "packaging date", Fixed: 6, Numeric: true, Date: true},
		{AI: "15", Name: "best before date", Fixed: 6, Numeric: true, Date: true},
		{AI: "16", Name: "sell by date", Fixed: 6, Numeric: true, Date: true},
		{AI: "17", Name: "expiry date", Fixed: 6, Numeric: true, Date: true},
		{AI: aiSerial, Name: "serial", Max: maxAIValueLen},
		{AI: aiCPV, Name: "CPV", Max: maxAIValueLen},
		{AI: "30", Name: "variable count", Max: 8, Numeric: true},
		{AI: "37", Name: "count of trade items", Max: 8, Numeric: true},
	}
	for _, m := range []struct{ ai, name string }{
		{"310", "net weight (kg)"}, {"311", "length (m)"}, {"312", "width (m)"}, {"313", "depth (m)"},
		{"314", "area (m²)"}, {"315", "net volume (l)"}, {"316", "net volume (m³)"},
		{"330", "gross weight (kg)"}, {"331", "length (m)"}, {"332", "width (m)"}, {"333", "depth (m)"},
		{"334", "area (m²)"}, {"335", "gross volume (l)"}, {"336", "gross volume (m³)"},
	} {
		for d := '0'; d <= '5'; d++ {
			t = append(t, aiSpec{AI: m.ai + string(d), Name: m.name, Fixed: 6, Numeric: true})
		}
	}
	return t
}()

// knownAIs lists aiTable's AIs for messages.
const knownAIs = "a code reads (00), (01), (10), (21), (22) and the data attributes (02), (11), (13), (15), (16), (17), (30), (37), (310n)-(316n), (330n)-(336n)"

// lookupAI returns the spec of the AI that starts d.
func lookupAI(d string) (aiSpec, bool) {
	for n := 2; n <= 4 && n <= len(d); n++ {
		if spec, ok := aiSpecOf(d[:n]); ok {
			return spec, true
		}
	}
	return aiSpec{}, false
}

func aiSpecOf(ai string) (aiSpec, bool) {
	for _, spec := range aiTable {
		if spec.AI == ai {
			return spec, true
		}
	}
	return aiSpec{}, false
}

// isDataAttribute reports whether ai is in aiTable but not part of a code.
func isDataAttribute(ai string) bool {
	_, ok := aiSpecOf(ai)
	return ok && !isCodeAI(ai)
}

// attrName names a data attribute for messages: "expiry date (AI 17)".
func attrName(spec aiSpec) string { return spec.Name + " (AI " + spec.AI + ")" }

// checkAttribute checks the value v of the data attribute ai in the code s.
func checkAttribute(s, ai, v string) error {
	spec, _ := aiSpecOf(ai)
	name := attrName(spec)
	if spec.Fixed > 0 && len(v) != spec.Fixed {
		return ErrInvalidCode.Wrapf("code %q: %s %q has %d characters, want %d", clip(s), name, clip(v), len(v), spec.Fixed)
	}
	if spec.Fixed == 0 && (len(v) == 0 || len(v) > spec.Max) {
		return ErrInvalidCode.Wrapf("code %q: %s %q has %d characters, want 1 to %d", clip(s), name, clip(v), len(v), spec.Max)
	}
	if spec.Numeric && !isDigits(v) {
		return ErrInvalidCode.Wrapf("code %q: %s %q is not all digits", clip(s), name, clip(v))
	}
	if spec.Date {
		m, _ := strconv.Atoi(v[2:4])
		d, _ := strconv.Atoi(v[4:6])
		if m < 1 || m > 12 || d > 31 {
			return ErrInvalidCode.Wrapf("code %q: %s %q is not a date YYMMDD", clip(s), name, v)
		}
	}
	if spec.AI == "02" {
		if err := checkGS1Key("content GTIN (AI 02)", v); err != nil {
			return err
		}
	}
	return nil
}

// parseScanned reads the forms only scanners send: a symbology identifier
// first, a GS anywhere, or AIs without parentheses. ok is false when s is in
// none of them, for ParseCode to read it as a typed form.
func parseScanned(s string, syn codeSyntax) (c Code, err error, ok bool) {
	if s[0] == ']' {
		c, err = parseSymbology(s, syn)
		return c, err, true
	}
	if s[0] == gs {
		c, err = parseUnbracketed(s, 1)
		return c, err, true
	}
	if i := strings.IndexByte(s, gs); i >= 0 {
		if s[0] < '0' || s[0] > '9' {
			return Code{}, ErrInvalidCode.Wrapf("code %q: the GS character (FNC1) at byte %d only separates the fields of an element string such as 0109521234543213 10B1 GS 21S1; remove it", clip(s), i+1), true
		}
		c, err = parseUnbracketed(s, 0)
		return c, err, true
	}
	if s[0] >= '0' && s[0] <= '9' {
		if isDigits(s) {
			switch len(s) {
			case 8, 12, 13, 14, ssccLen:
				return Code{}, nil, false // a bare GTIN or SSCC: ParseCode says how to write it
			}
		}
		c, err = parseUnbracketed(s, 0)
		return c, err, true
	}
	return Code{}, nil, false
}

// parseSymbology reads s, which starts with ']'.
func parseSymbology(s string, syn codeSyntax) (Code, error) {
	if len(s) < 3 {
		return Code{}, ErrInvalidCode.Wrapf("code %q: a symbology identifier has three characters, such as ]d2, and the data follows it", clip(s))
	}
	id, rest := s[:3], s[3:]
	for _, sy := range gs1Symbologies {
		if id == sy.id {
			if rest == "" || rest == string(rune(gs)) {
				return Code{}, ErrInvalidCode.Wrapf("code %q: no data after the %s symbology identifier %s", clip(s), sy.name, id)
			}
			if rest[0] == '(' {
				return Code{}, ErrInvalidCode.Wrapf("code %q: after the %s identifier %s come the AIs without parentheses, as the scanner sends them; write %s or the bracketed form alone", clip(s), sy.name, id, strings.NewReplacer("(", "", ")", "").Replace(clip(s)))
			}
			start := 3
			if rest[0] == gs { // some scanners repeat the leading FNC1
				start++
			}
			return parseUnbracketed(s, start)
		}
	}
	for _, sy := range uriSymbologies {
		if id == sy.id {
			if rest == "" || rest[0] == ']' || rest[0] == gs || (rest[0] >= '0' && rest[0] <= '9') {
				return Code{}, ErrInvalidCode.Wrapf("code %q: a %s (%s) without GS1 data carries a Digital Link URI after its identifier; for an element string the identifier is ]Q3 or ]d2", clip(s), sy.name, id)
			}
			return parseCode(rest, codeSyntax{strict: syn.strict})
		}
	}
	for _, sy := range linearSymbologies {
		if id == sy.id {
			return Code{}, ErrInvalidCode.Wrapf("code %q: an %s barcode (%s) carries only a GTIN, which names a product class, not goods that can be traced; scan the GS1 DataMatrix, QR Code or GS1-128 barcode of the label", clip(s), sy.name, id)
		}
	}
	return Code{}, ErrInvalidCode.Wrapf("code %q: symbology identifier %q is not one that carries a code; GS1 element strings come as ]C1, ]e0, ]d2, ]Q3 or ]J1, a Digital Link URI as ]Q1 or ]d1", clip(s), clip(id))
}

// parseUnbracketed reads the element string that starts at byte start of
// s: AIs without parentheses, variable-length values ended by GS or the
// end of the data.
func parseUnbracketed(s string, start int) (Code, error) {
	vals := map[string]string{}
	var order []string
	pos := start
	if pos >= len(s) {
		return Code{}, ErrInvalidCode.Wrapf("code %q: no AIs after the GS (FNC1)", clip(s))
	}
	for pos < len(s) {
		if s[pos] == gs {
			if pos == start || s[pos-1] == gs {
				return Code{}, ErrInvalidCode.Wrapf("element string %q: GS (FNC1) at byte %d follows no value; remove it", clip(s), pos+1)
			}
			pos++ // after a variable-length value, or a needless one after a fixed-length value
			continue
		}
		spec, ok := lookupAI(s[pos:])
		if !ok {
			return Code{}, unknownAIError(s, pos)
		}
		if _, dup := vals[spec.AI]; dup {
			return Code{}, ErrInvalidCode.Wrapf("element string %q: AI (%s) appears twice", clip(s), spec.AI)
		}
		vstart := pos + len(spec.AI)
		var v string
		if spec.Fixed > 0 {
			end := vstart + spec.Fixed
			if end > len(s) {
				return Code{}, ErrInvalidCode.Wrapf("element string %q: %s takes %d characters after (%s), only %d are left", clip(s), aiLabel(spec), spec.Fixed, spec.AI, len(s)-vstart)
			}
			v = s[vstart:end]
			if i := strings.IndexByte(v, gs); i >= 0 {
				return Code{}, ErrInvalidCode.Wrapf("element string %q: %s takes %d characters after (%s), a GS (FNC1) comes after %d", clip(s), aiLabel(spec), spec.Fixed, spec.AI, i)
			}
			pos = end
		} else {
			end := len(s)
			if i := strings.IndexByte(s[vstart:], gs); i >= 0 {
				end = vstart + i
			}
			v = s[vstart:end]
			if v == "" {
				return Code{}, ErrInvalidCode.Wrapf("element string %q: AI (%s) has no value", clip(s), spec.AI)
			}
			if n := len([]rune(v)); n > spec.Max {
				return Code{}, ErrInvalidCode.Wrapf("element string %q: %s %q has %d characters, at most %d; if another AI follows, a GS (FNC1) must end the value", clip(s), aiLabel(spec), clip(v), n, spec.Max)
			}
			pos = end
		}
		if isDataAttribute(spec.AI) {
			if err := checkAttribute(s, spec.AI, v); err != nil {
				return Code{}, err
			}
		}
		vals[spec.AI] = v
		order = append(order, spec.AI)
	}
	return codeFromAIs(s, vals, order, inputSyntax)
}

// aiLabel names the AI of spec: aiName for a code's AIs, else its name.
func aiLabel(spec aiSpec) string {
	if isCodeAI(spec.AI) {
		return aiName(spec.AI)
	}
	return attrName(spec)
}

// unknownAIError says what is at byte pos of s where an AI was expected.
func unknownAIError(s string, pos int) error {
	n := 0
	for n < 4 && pos+n < len(s) && s[pos+n] >= '0' && s[pos+n] <= '9' {
		n++
	}
	if n < 2 {
		return ErrInvalidCode.Wrapf("element string %q: byte %d (%q) is not the start of an AI (AIs are 2 to 4 digits)", clip(s), pos+1, clip(s[pos:min(pos+4, len(s))]))
	}
	return ErrInvalidCode.Wrapf("element string %q: at byte %d, no AI starting %q is one %s", clip(s), pos+1, s[pos:pos+n], strings.TrimPrefix(knownAIs, "a code "))
}

// checkDLQuery applies GS1 Digital Link's rules to the query string q of
// the code c read from s: a numeric parameter names an AI (2 to 4 digits),
// is given a value, comes once, and is neither a primary key (00, 01) nor a
// key qualifier of the code, which belong in the path; the data attributes
// of aiTable are checked. Other parameters (linkType, ...) are left alone.
func checkDLQuery(s, q string, c Code) error {
	seen := map[string]bool{}
	for _, param := range strings.Split(q, "&") {
		eq := strings.IndexByte(param, '=')
		if eq < 0 || !isDigits(param[:eq]) {
			continue // not an AI
		}
		ai, raw := param[:eq], param[eq+1:]
		if len(ai) < 2 || len(ai) > 4 {
			return ErrInvalidCode.Wrapf("Digital Link URI %q: query parameter %q is numeric but no AI (AIs are 2 to 4 digits)", clip(s), clip(ai))
		}
		if raw == "" {
			return ErrInvalidCode.Wrapf("Digital Link URI %q: AI %s in the query string has no value", clip(s), ai)
		}
		if seen[ai] {
			return ErrInvalidCode.Wrapf("Digital Link URI %q: AI %s appears twice in the query string", clip(s), ai)
		}
		seen[ai] = true
		switch ai {
		case aiSSCC, aiGTIN:
			return ErrInvalidCode.Wrapf("Digital Link URI %q: the primary key %s belongs in the path (/%s/…), not in the query string", clip(s), aiName(ai), ai)
		case aiBatch, aiSerial, aiCPV:
			if c.Kind != CodeSSCC {
				return ErrInvalidCode.Wrapf("Digital Link URI %q: the key qualifier %s belongs in the path, /01/{GTIN}[/22/{cpv}][/10/{batch}][/21/{serial}], not in the query string", clip(s), aiName(ai))
			}
		}
		if _, known := aiSpecOf(ai); !known {
			continue // an AI this parser has no table entry for
		}
		v, err := url.QueryUnescape(raw)
		if err != nil {
			return ErrInvalidCode.Wrapf("Digital Link URI %q: AI %s in the query string: bad percent-encoding (write %%25 for a literal %%)", clip(s), ai)
		}
		if isCodeAI(ai) {
			if err := validateAIValue(ai, v); err != nil {
				return err
			}
			continue
		}
		if err := checkAttribute(s, ai, v); err != nil {
			return err
		}
	}
	return nil
}

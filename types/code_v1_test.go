package types

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The parser of codes as rules v1 shipped it (ParseCode before scanner
// input and GS1 Digital Link's query rules), kept verbatim but for the
// names, to check that ParseTxCode, which the chain's ValidateBasic uses,
// accepts and refuses exactly what it did: history replays identically.

// v1ParseCode reads a traceability code in any of these forms:
//
//   - a GS1 Digital Link URI, "http(s)://host[/path prefix]/01/{GTIN}[/22/{cpv}][/10/{batch}][/21/{serial}]"
//     or ".../00/{SSCC}", with an optional query string and fragment that are
//     ignored; the path is read from its end, so a custom path prefix may
//     come before the primary key;
//   - the same path without scheme and host, starting with "/01/" or "/00/";
//   - a GS1 element string with parentheses, "(01){GTIN}(10){batch}(21){serial}"
//     (AIs in any order, each once) or "(00){SSCC}";
//   - a native code, "CT-{USCC}-{number}-{check}", "/c/CT-…" or a URI ending
//     in "/c/CT-…".
//
// In Digital Link forms values are percent-decoded, the key qualifiers must
// come in the order 22, 10, 21 (each at most once) and a GTIN-8, -12 or -13
// is left-padded to 14 digits; in element strings AI 01 takes the 14-digit
// form. A GTIN code must carry a batch or a serial: a bare GTIN names a
// product class, not goods that can be traced. Batch, serial and CPV are 1-20
// characters of GS1 character set 82. Check digits and characters are
// verified. Every error is ErrInvalidCode and says what to fix.
func v1ParseCode(s string) (Code, error) {
	if s == "" {
		return Code{}, ErrInvalidCode.Wrapf("empty code: %s", codeForms)
	}
	if len(s) > maxCodeInputLen {
		return Code{}, ErrInvalidCode.Wrapf("code %q is %d bytes long, at most %d", clip(s), len(s), maxCodeInputLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return Code{}, ErrInvalidCode.Wrapf("code %q: byte %d (%q) is white space or a control character; copy the code without spaces or line breaks", clip(s), i+1, c)
		}
	}
	switch {
	case s[0] == '(':
		return v1ParseElementString(s)
	case strings.HasPrefix(s, nativePrefix):
		return parseNative(s)
	case hasPrefixFold(s, "https://"):
		return v1ParseDigitalLinkURI(s, len("https://"))
	case hasPrefixFold(s, "http://"):
		return v1ParseDigitalLinkURI(s, len("http://"))
	case s[0] == '/':
		return v1ParseDigitalLinkPath(s, s, false)
	case strings.Contains(s, "://"):
		return Code{}, ErrInvalidCode.Wrapf("code %q: only http and https Digital Link URIs are read; %s", clip(s), codeForms)
	case isDigits(s):
		hint := "write the AIs: " + codeForms
		switch len(s) {
		case 8, 12, 13, 14:
			hint = "a bare GTIN names a product class, not goods that can be traced: add a batch or serial, e.g. /01/{GTIN}/10/{batch}"
		case ssccLen:
			hint = "write an SSCC as /00/{SSCC} or (00){SSCC}"
		}
		return Code{}, ErrInvalidCode.Wrapf("code %q is only digits; %s", clip(s), hint)
	case s[0] >= '0' && s[0] <= '9':
		return Code{}, ErrInvalidCode.Wrapf("code %q: write the AIs in parentheses, (01){GTIN}(10){batch}(21){serial}, or as a Digital Link path /01/{GTIN}/10/{batch}/21/{serial}", clip(s))
	case hasPrefixFold(s, "ct-"):
		return Code{}, ErrInvalidCode.Wrapf("code %q: a native code starts with upper-case \"CT-\"", clip(s))
	}
	return Code{}, ErrInvalidCode.Wrapf("code %q is not in a recognised form: %s", clip(s), codeForms)
}

// v1ParseDigitalLinkURI reads "http(s)://host/path[?query][#fragment]";
// schemeLen is the length of "http://" or "https://".
func v1ParseDigitalLinkURI(s string, schemeLen int) (Code, error) {
	rest := s[schemeLen:]
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	if hostEnd == 0 {
		return Code{}, ErrInvalidCode.Wrapf("Digital Link URI %q has no host", clip(s))
	}
	return v1ParseDigitalLinkPath(s, rest[hostEnd:], true)
}

// v1ParseDigitalLinkPath reads the path p (possibly followed by a query string
// or fragment) of the code s. A custom path prefix before the primary key is
// allowed only in a full URI.
func v1ParseDigitalLinkPath(s, p string, prefixAllowed bool) (Code, error) {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" || p == "/" {
		return Code{}, ErrInvalidCode.Wrapf("Digital Link URI %q has no path: want …/01/{GTIN}/10/{batch}, …/00/{SSCC} or …/c/CT-…", clip(s))
	}
	if strings.HasSuffix(p, "/") {
		return Code{}, ErrInvalidCode.Wrapf("code %q: the path ends in '/'; remove the trailing slash", clip(s))
	}
	segs := strings.Split(p[1:], "/")
	n := len(segs)
	if last := segs[n-1]; isCodeAI(last) && (n == 1 || !isCodeAI(segs[n-2])) {
		return Code{}, ErrInvalidCode.Wrapf("code %q: the path ends in /%s with no value after it", clip(s), last)
	}

	// Read "/{ai}/{value}" pairs from the end: key qualifiers, then the
	// primary key; whatever comes before it is the custom path prefix.
	var quals []codePair // right to left
	i := n
	for {
		if i < 2 {
			if len(quals) == 0 {
				return Code{}, ErrInvalidCode.Wrapf("code %q: no primary key /01/{GTIN} or /00/{SSCC} in the path", clip(s))
			}
			return Code{}, ErrInvalidCode.Wrapf("code %q: no primary key /01/{GTIN} before key qualifier /%s/", clip(s), quals[len(quals)-1].ai)
		}
		key, raw := segs[i-2], segs[i-1]
		if key == aiBatch || key == aiSerial || key == aiCPV {
			quals = append(quals, codePair{key, raw})
			i -= 2
			continue
		}
		if key == aiGTIN || key == aiSSCC {
			break
		}
		if key == nativePath {
			if len(quals) > 0 {
				return Code{}, ErrInvalidCode.Wrapf("code %q: a native code /c/CT-… takes no key qualifiers, found /%s/", clip(s), quals[len(quals)-1].ai)
			}
			break
		}
		what := "the path does not end in /01/{GTIN}[/22/{cpv}][/10/{batch}][/21/{serial}], /00/{SSCC} or /c/CT-…"
		if len(quals) > 0 {
			what = "/" + key + "/ before key qualifier /" + quals[len(quals)-1].ai + "/ is not the primary key /01/"
		}
		return Code{}, ErrInvalidCode.Wrapf("code %q: %s%s", clip(s), what, pathKeyHint(key))
	}
	key, raw := segs[i-2], segs[i-1]
	if prefix := segs[:i-2]; len(prefix) > 0 && !prefixAllowed {
		return Code{}, ErrInvalidCode.Wrapf("code %q: a path without scheme and host must start with /01/, /00/ or /c/ (a custom path prefix needs the full https:// URI)", clip(s))
	}
	if raw == "" {
		return Code{}, ErrInvalidCode.Wrapf("code %q: empty value after /%s/", clip(s), key)
	}
	val, err := unEscapeUnreserved(s, key, raw)
	if err != nil {
		return Code{}, err
	}

	switch key {
	case nativePath:
		return parseNative(val)
	case aiSSCC:
		if len(quals) > 0 {
			return Code{}, ErrInvalidCode.Wrapf("code %q: an SSCC (/00/) takes no key qualifiers, found /%s/", clip(s), quals[len(quals)-1].ai)
		}
		c := Code{Kind: CodeSSCC, SSCC: val}
		return validCode(c)
	}

	// A GTIN: check the qualifiers' order (22, 10, 21), left to right.
	seen := map[string]bool{}
	for j := len(quals) - 1; j >= 0; j-- {
		if ai := quals[j].ai; seen[ai] {
			return Code{}, ErrInvalidCode.Wrapf("code %q: key qualifier /%s/ appears twice", clip(s), ai)
		}
		seen[quals[j].ai] = true
	}
	for j := len(quals) - 1; j > 0; j-- {
		a, b := quals[j].ai, quals[j-1].ai
		if qualifierRank(b) < qualifierRank(a) {
			return Code{}, ErrInvalidCode.Wrapf("code %q: key qualifier /%s/ must come before /%s/ (the order is /22/, /10/, /21/)", clip(s), b, a)
		}
	}
	gtin, err := padGTIN(val)
	if err != nil {
		return Code{}, err
	}
	c := Code{Kind: CodeGTIN, GTIN: gtin}
	for _, q := range quals {
		if q.raw == "" {
			return Code{}, ErrInvalidCode.Wrapf("code %q: empty value after /%s/", clip(s), q.ai)
		}
		v, err := unEscapeUnreserved(s, q.ai, q.raw)
		if err != nil {
			return Code{}, err
		}
		switch q.ai {
		case aiCPV:
			c.CPV = v
		case aiBatch:
			c.Batch = v
		case aiSerial:
			c.Serial = v
		}
	}
	return validCode(c)
}

// v1ParseElementString reads "(01)…(10)…(21)…" or "(00)…".
func v1ParseElementString(s string) (Code, error) {
	vals := map[string]string{}
	var order []string
	for pos := 0; pos < len(s); {
		// s[pos] == '(' here: at the start, and after every value.
		closing := strings.IndexByte(s[pos+1:], ')')
		var after string // hint when the '(' may belong to the previous value
		if len(order) > 0 {
			after = "; a value in element-string form cannot contain '(' (the value of (" + order[len(order)-1] + ") ends at byte " + strconv.Itoa(pos) + ")"
		}
		if closing < 0 {
			return Code{}, ErrInvalidCode.Wrapf("element string %q: '(' at byte %d is not closed by ')'%s", clip(s), pos+1, after)
		}
		ai := s[pos+1 : pos+1+closing]
		if !isCodeAI(ai) {
			if len(ai) >= 2 && len(ai) <= 4 && isDigits(ai) {
				return Code{}, ErrInvalidCode.Wrapf("element string %q: AI (%s) is not part of a code (a code uses only (00), (01), (10), (21) and (22))%s", clip(s), ai, after)
			}
			return Code{}, ErrInvalidCode.Wrapf("element string %q: (%s) at byte %d is not an AI%s", clip(s), clip(ai), pos+1, after)
		}
		if _, dup := vals[ai]; dup {
			return Code{}, ErrInvalidCode.Wrapf("element string %q: AI (%s) appears twice", clip(s), ai)
		}
		start := pos + 1 + closing + 1
		end := len(s)
		if next := strings.IndexByte(s[start:], '('); next >= 0 {
			end = start + next
		}
		if start == end {
			return Code{}, ErrInvalidCode.Wrapf("element string %q: AI (%s) has no value", clip(s), ai)
		}
		vals[ai] = s[start:end]
		order = append(order, ai)
		pos = end
	}

	if sscc, ok := vals[aiSSCC]; ok {
		for _, ai := range order {
			if ai != aiSSCC {
				return Code{}, ErrInvalidCode.Wrapf("element string %q: an SSCC (00) cannot be combined with other AIs, found (%s)", clip(s), ai)
			}
		}
		c := Code{Kind: CodeSSCC, SSCC: sscc}
		return validCode(c)
	}
	gtin, ok := vals[aiGTIN]
	if !ok {
		return Code{}, ErrInvalidCode.Wrapf("element string %q has no GTIN (01) or SSCC (00)", clip(s))
	}
	if len(gtin) != gtinLen {
		if err := ValidateGTIN(gtin); err != nil {
			return Code{}, err
		}
		return Code{}, ErrInvalidCode.Wrapf("element string %q: AI (01) takes the 14-digit GTIN, got %d digits; write (01)%s", clip(s), len(gtin), strings.Repeat("0", gtinLen-len(gtin))+gtin)
	}
	c := Code{Kind: CodeGTIN, GTIN: gtin, CPV: vals[aiCPV], Batch: vals[aiBatch], Serial: vals[aiSerial]}
	return validCode(c)
}

// FuzzParseTxCodeIsV1: ParseTxCode gives the same code or the same error as
// the parser of rules v1 for any input.
func FuzzParseTxCodeIsV1(f *testing.F) {
	for _, s := range []string{
		"https://id.example.com/01/09521234543213/10/B1/21/S1?17=261231&17=1#x",
		"HtTp://h/00/106141411234567897?00=1",
		"/01/09521234543213/22/V/10/B%2F1",
		"(01)09521234543213(17)261231(10)B1",
		"(00)106141411234567897(21)S",
		"]d20109521234543213" + "10B1\x1d21S1",
		"010952123454321310B1",
		"CT-91330100716105852F-1-N",
		"/c/CT-91330100716105852F-42-H?10=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTxCode(s)
		want, werr := v1ParseCode(s)
		if got != want || (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
			t.Fatalf("ParseTxCode(%q) = %+v, %v; rules v1 read %+v, %v", s, got, err, want, werr)
		}
		if err != nil && !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("ParseTxCode(%q): %v is not ErrInvalidCode", s, err)
		}
	})
}

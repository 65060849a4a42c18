package types

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A traceability code names one physical thing that moves along the cold
// chain. Three kinds exist:
//
//   - a trade item: a GTIN (GS1 AI 01) with a batch/lot (AI 10) and/or a
//     serial number (AI 21), optionally a consumer product variant (AI 22);
//   - a logistic unit: an SSCC (AI 00), e.g. a pallet;
//   - a native code issued by the chain for goods without a GTIN (loose
//     vegetables, carcasses): the issuing enterprise's USCC, a number and a
//     check character.
//
// ParseCode accepts the forms found on labels and in scanners' output (GS1
// Digital Link URIs, their paths, GS1 element strings with parentheses, and
// native codes); Code.String gives the one canonical form that is stored on
// chain and used as the key of a code's records.
//
// # Canonical form
//
// String is a GS1 Digital Link path without scheme and host:
//
//	/01/{GTIN-14}[/22/{cpv}][/10/{batch}][/21/{serial}]
//	/00/{SSCC}
//	/c/CT-{USCC}-{number}-{check}
//
// The key qualifiers of a GTIN come in the order 22, 10, 21 required by
// Digital Link. Every byte of a value outside the URI unreserved set
// [A-Za-z0-9-._~] is percent-encoded with upper-case hex digits (so a '/' in
// a serial is written %2F and the path splits unambiguously); url.PathUnescape
// decodes it.
//
// # Native codes
//
// A native code is "CT-{USCC}-{number}-{check}". {USCC} is the issuing
// enterprise's 18-character unified social credit code, {number} the decimal
// serial number the chain issued (>= 1, no leading zeros) and {check} one
// character computed over the string USCC+number (for example
// "91330106MA27XL0P1X" + "42") with the GB 32100 scheme extended to any
// length:
//
//   - the alphabet is "0123456789ABCDEFGHJKLMNPQRTUWXY" and a character's
//     value is its index (0..30);
//   - the character at position i (i = 0, 1, 2, ... from the left) has the
//     weight 3^i mod 31, i.e. 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8,
//     24, 10, 30, 28, 22, 4, 12, 5, 15, 14, 11, 2, 6, 18, 23, 7, 21, then
//     again 1, 3, 9, ... (the weights repeat every 30 positions);
//   - check = alphabet[(31 - sum mod 31) mod 31], sum being the weighted sum
//     of the values.
//
// The first 17 weights are those of the USCC's own check character, so one
// implementation serves both; the scheme catches every single wrong character
// and every swap of two adjacent characters.

// CodeKind says which identifier a Code carries.
type CodeKind int

const (
	CodeGTIN   CodeKind = 1 // a trade item: GTIN (AI 01) with batch (10) and/or serial (21), optional CPV (22)
	CodeSSCC   CodeKind = 2 // a logistic unit (AI 00)
	CodeNative CodeKind = 3 // issued by the chain for goods without a GTIN
)

// String returns "gtin", "sscc" or "native".
func (k CodeKind) String() string {
	switch k {
	case CodeGTIN:
		return "gtin"
	case CodeSSCC:
		return "sscc"
	case CodeNative:
		return "native"
	}
	return "CodeKind(" + strconv.Itoa(int(k)) + ")"
}

// Code is a parsed traceability code. Only the fields of its Kind are set;
// two Codes name the same thing exactly when they are ==.
type Code struct {
	Kind   CodeKind
	GTIN   string // 14 digits (GTIN-8/12/13 left-padded with zeros)
	CPV    string // AI 22, optional
	Batch  string // AI 10
	Serial string // AI 21
	SSCC   string // 18 digits
	Issuer string // native: the issuing enterprise's USCC (18 chars)
	Number uint64 // native: serial number issued by the chain, >= 1
}

// maxCodeInputLen is the longest string ParseCode reads. The longest
// canonical code is far shorter (about 210 bytes); the limit leaves room for
// a Digital Link URI's host, path prefix and query string.
const maxCodeInputLen = 2048

// Limits of the GS1 values a code carries.
const (
	maxAIValueLen = 20 // AI 10, 21 and 22: X..20
	gtinLen       = 14
	ssccLen       = 18
)

// GS1 application identifiers a code may carry.
const (
	aiSSCC   = "00"
	aiGTIN   = "01"
	aiBatch  = "10"
	aiSerial = "21"
	aiCPV    = "22"
)

// nativeAlphabet is the GB 32100 alphabet (the one of USCCs), valued 0..30.
const nativeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// nativePrefix starts every native code; nativePath is its Digital Link-like
// path segment.
const (
	nativePrefix = "CT-"
	nativePath   = "c"
)

// codeForms tells a person which forms ParseCode reads.
const codeForms = "use https://host/01/{GTIN}/10/{batch}/21/{serial}, /01/{GTIN}/10/{batch}, " +
	"(01){GTIN}(10){batch}(21){serial}, /00/{SSCC}, (00){SSCC} or a native CT-{USCC}-{number}-{check} code"

// aiName names an AI for messages: "batch (AI 10)".
func aiName(ai string) string {
	switch ai {
	case aiSSCC:
		return "SSCC (AI 00)"
	case aiGTIN:
		return "GTIN (AI 01)"
	case aiBatch:
		return "batch (AI 10)"
	case aiSerial:
		return "serial (AI 21)"
	case aiCPV:
		return "CPV (AI 22)"
	}
	return "AI " + ai
}

// clip shortens user input quoted in a message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ParseCode reads a traceability code as a person or a scanner gives it,
// under the latest rules, in any of these forms:
//
//   - a GS1 Digital Link URI, "http(s)://host[/path prefix]/01/{GTIN}[/22/{cpv}][/10/{batch}][/21/{serial}]"
//     or ".../00/{SSCC}", with an optional query string and fragment; the
//     path is read from its end, so a custom path prefix may come before the
//     primary key;
//   - the same path without scheme and host, starting with "/01/" or "/00/";
//   - a GS1 element string with parentheses, "(01){GTIN}(10){batch}(21){serial}"
//     (AIs in any order, each once) or "(00){SSCC}";
//   - a GS1 element string as scanners send it: optionally a symbology
//     identifier (]C1 GS1-128, ]e0 GS1 DataBar, ]d2 GS1 DataMatrix, ]Q3 GS1
//     QR Code, ]J1 GS1 DotCode), then the AIs without parentheses, a
//     variable-length value ended by the GS character (FNC1, 0x1D) or the
//     end of the data (see code_scan.go);
//   - a Digital Link URI read from a plain QR Code or Data Matrix, prefixed
//     by its symbology identifier ]Q1 or ]d1;
//   - a native code, "CT-{USCC}-{number}-{check}", "/c/CT-…" or a URI ending
//     in "/c/CT-…".
//
// In Digital Link forms values are percent-decoded, the key qualifiers must
// come in the order 22, 10, 21 (each at most once) and a GTIN-8, -12 or -13
// is left-padded to 14 digits; in element strings AI 01 takes the 14-digit
// form. A GTIN code must carry a batch or a serial: a bare GTIN names a
// product class, not goods that can be traced. Batch, serial and CPV are 1-20
// characters of GS1 character set 82. Check digits and characters are
// verified. Data attributes (expiry date, net weight, ...: see aiTable) in an
// element string or a Digital Link query string are checked and left out of
// the Code, as they are no part of what a code names.
//
// As GS1 Digital Link 1.x requires, the scheme is "http" or "https" written
// in one case ("HTTPS://" but not "Https://"), and the query string holds no
// AI twice, no primary key and no key qualifier of the code (they belong in
// the path). Every error is ErrInvalidCode and says what to fix.
func ParseCode(s string) (Code, error) { return parseCode(s, inputSyntax) }

// ParseTxCode reads a code as it is written in a tx: the forms of rules v1,
// which every rules version accepts in ValidateBasic (rules v2 refuses more
// in DecodeTx: see checkCodes), so it also reads every code of a committed
// message. It takes no scanner forms: a client turns what it scanned into a
// Code with ParseCode and sends Code.String.
func ParseTxCode(s string) (Code, error) { return parseCode(s, txSyntax) }

// codeSyntax says which forms and rules a parse applies.
type codeSyntax struct {
	scanner bool // symbology identifiers, element strings without parentheses, data attribute AIs
	strict  bool // GS1 Digital Link's rules for the scheme and the query string
}

var (
	inputSyntax    = codeSyntax{scanner: true, strict: true} // ParseCode
	txSyntax       = codeSyntax{}                            // ParseTxCode: rules v1
	strictTxSyntax = codeSyntax{strict: true}                // codes in txs from rules v2 on
)

// gs is the GS character (group separator) scanners send for FNC1.
const gs = 0x1d

func parseCode(s string, syn codeSyntax) (Code, error) {
	if s == "" {
		return Code{}, ErrInvalidCode.Wrapf("empty code: %s", codeForms)
	}
	if len(s) > maxCodeInputLen {
		return Code{}, ErrInvalidCode.Wrapf("code %q is %d bytes long, at most %d", clip(s), len(s), maxCodeInputLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c <= ' ' || c == 0x7f) && !(c == gs && syn.scanner) {
			return Code{}, ErrInvalidCode.Wrapf("code %q: byte %d (%q) is white space or a control character; copy the code without spaces or line breaks", clip(s), i+1, c)
		}
	}
	if syn.scanner {
		if c, err, ok := parseScanned(s, syn); ok {
			return c, err
		}
	}
	switch {
	case s[0] == '(':
		return parseElementString(s, syn)
	case strings.HasPrefix(s, nativePrefix):
		return parseNative(s)
	case hasPrefixFold(s, "https://"):
		if err := checkScheme(s, "https://", syn); err != nil {
			return Code{}, err
		}
		return parseDigitalLinkURI(s, len("https://"), syn)
	case hasPrefixFold(s, "http://"):
		if err := checkScheme(s, "http://", syn); err != nil {
			return Code{}, err
		}
		return parseDigitalLinkURI(s, len("http://"), syn)
	case s[0] == '/':
		return parseDigitalLinkPath(s, s, false, syn)
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

// checkScheme refuses, under strict syntax, a scheme in mixed case: GS1
// Digital Link reads "http"/"https" in lower or upper case only.
func checkScheme(s, scheme string, syn codeSyntax) error {
	got := s[:len(scheme)]
	if !syn.strict || got == scheme || got == strings.ToUpper(scheme) {
		return nil
	}
	return ErrInvalidCode.Wrapf("Digital Link URI %q: the scheme %q mixes upper and lower case; write %q or %q", clip(s), got[:len(got)-3], scheme[:len(scheme)-3], strings.ToUpper(scheme[:len(scheme)-3]))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDigitalLinkURI reads "http(s)://host/path[?query][#fragment]";
// schemeLen is the length of "http://" or "https://".
func parseDigitalLinkURI(s string, schemeLen int, syn codeSyntax) (Code, error) {
	rest := s[schemeLen:]
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	if hostEnd == 0 {
		return Code{}, ErrInvalidCode.Wrapf("Digital Link URI %q has no host", clip(s))
	}
	return parseDigitalLinkPath(s, rest[hostEnd:], true, syn)
}

// codePair is one "/{ai}/{value}" pair of a Digital Link path, value still
// percent-encoded.
type codePair struct{ ai, raw string }

// parseDigitalLinkPath reads the path p (possibly followed by a query string
// or fragment) of the code s. A custom path prefix before the primary key is
// allowed only in a full URI. Under strict syntax the query string is
// checked too (checkDLQuery).
func parseDigitalLinkPath(s, p string, prefixAllowed bool, syn codeSyntax) (Code, error) {
	var query string
	if i := strings.IndexByte(p, '#'); i >= 0 {
		p = p[:i]
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p, query = p[:i], p[i+1:]
	}
	c, err := parseDigitalLinkSegments(s, p, prefixAllowed)
	if err != nil || !syn.strict {
		return c, err
	}
	if err := checkDLQuery(s, query, c); err != nil {
		return Code{}, err
	}
	return c, nil
}

// parseDigitalLinkSegments reads the path p, without query string and
// fragment, of the code s.
func parseDigitalLinkSegments(s, p string, prefixAllowed bool) (Code, error) {
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

func isCodeAI(s string) bool {
	switch s {
	case aiSSCC, aiGTIN, aiBatch, aiSerial, aiCPV:
		return true
	}
	return false
}

func qualifierRank(ai string) int {
	switch ai {
	case aiCPV:
		return 0
	case aiBatch:
		return 1
	}
	return 2
}

// pathKeyHint explains a path segment found where an AI was expected.
func pathKeyHint(key string) string {
	switch strings.ToLower(key) {
	case "gtin", "cpv", "lot", "ser", "sscc":
		return "; Digital Link short names such as /" + key + "/ are not read, use the numeric AIs /01/, /22/, /10/, /21/, /00/"
	}
	if len(key) >= 2 && len(key) <= 4 && isDigits(key) {
		return "; AI " + key + " is not part of a code (a code uses only 00, 01, 10, 21 and 22; other data belongs in the query string)"
	}
	return ""
}

// unescapeValue percent-decodes the value raw of ai in the code s.
func unEscapeUnreserved(s, ai, raw string) (string, error) {
	v, err := url.PathUnescape(raw)
	if err != nil {
		return "", ErrInvalidCode.Wrapf("code %q: %s value %q: bad percent-encoding (write %%25 for a literal %%)", clip(s), aiName(ai), clip(raw))
	}
	return v, nil
}

// padGTIN checks a GTIN-8, -12, -13 or -14 and returns its 14-digit form.
func padGTIN(g string) (string, error) {
	if err := ValidateGTIN(g); err != nil {
		return "", err
	}
	return strings.Repeat("0", gtinLen-len(g)) + g, nil
}

// parseElementString reads "(01)…(10)…(21)…" or "(00)…"; with the scanner
// syntax it also takes data attribute AIs (aiTable), checks and drops them.
func parseElementString(s string, syn codeSyntax) (Code, error) {
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
		attr := syn.scanner && isDataAttribute(ai)
		if !isCodeAI(ai) && !attr {
			if len(ai) >= 2 && len(ai) <= 4 && isDigits(ai) {
				if syn.scanner {
					return Code{}, ErrInvalidCode.Wrapf("element string %q: AI (%s) is not one a code reads (%s)%s", clip(s), ai, knownAIs, after)
				}
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
		if attr {
			if err := checkAttribute(s, ai, s[start:end]); err != nil {
				return Code{}, err
			}
		}
		vals[ai] = s[start:end]
		order = append(order, ai)
		pos = end
	}
	return codeFromAIs(s, vals, order, syn)
}

// codeFromAIs builds the code of the element string s from the values of
// its AIs, given in the order they came; data attributes are left out. With
// the scanner syntax a batch, serial or CPV beside an SSCC is a data
// attribute of the logistic unit, as in the Digital Link /00/{SSCC}?10={batch}.
func codeFromAIs(s string, vals map[string]string, order []string, syn codeSyntax) (Code, error) {
	if sscc, ok := vals[aiSSCC]; ok {
		for _, ai := range order {
			if syn.scanner && (ai == aiBatch || ai == aiSerial || ai == aiCPV) {
				if err := validateAIValue(ai, vals[ai]); err != nil {
					return Code{}, err
				}
				continue
			}
			if ai != aiSSCC && isCodeAI(ai) {
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

// parseNative reads "CT-{USCC}-{number}-{check}".
func parseNative(s string) (Code, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 4 || parts[0] != "CT" {
		return Code{}, ErrInvalidCode.Wrapf("native code %q: want CT-{USCC}-{number}-{check}", clip(s))
	}
	issuer, num, check := parts[1], parts[2], parts[3]
	if err := ValidateUSCC(issuer); err != nil {
		return Code{}, ErrInvalidCode.Wrapf("native code %q: issuer: %v", clip(s), err)
	}
	if !isDigits(num) {
		return Code{}, ErrInvalidCode.Wrapf("native code %q: number %q is not a decimal number", clip(s), clip(num))
	}
	if num[0] == '0' {
		if num == "0" {
			return Code{}, ErrInvalidCode.Wrapf("native code %q: number 0 is never issued, numbers start at 1", clip(s))
		}
		return Code{}, ErrInvalidCode.Wrapf("native code %q: number %q has a leading zero", clip(s), num)
	}
	number, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return Code{}, ErrInvalidCode.Wrapf("native code %q: number %q is too large", clip(s), clip(num))
	}
	want, _ := nativeCheckChar(issuer + num)
	if len(check) != 1 {
		return Code{}, ErrInvalidCode.Wrapf("native code %q: the check is %q, want the one character %q", clip(s), clip(check), want)
	}
	if check[0] != want {
		return Code{}, ErrInvalidCode.Wrapf("native code %q: check character is %q, want %q (mistyped character?)", clip(s), check[0], want)
	}
	return Code{Kind: CodeNative, Issuer: issuer, Number: number}, nil
}

// nativeCheckChar computes the check character of a native code's body
// (USCC + decimal number); see "Native codes" at the top of this file. ok is
// false when body has a character outside the alphabet.
func nativeCheckChar(body string) (check byte, ok bool) {
	sum, w := 0, 1
	for i := 0; i < len(body); i++ {
		v := strings.IndexByte(nativeAlphabet, body[i])
		if v < 0 {
			return '?', false
		}
		sum = (sum + v*w) % 31
		w = w * 3 % 31
	}
	return nativeAlphabet[(31-sum)%31], true
}

// NativeCode returns the native code number issued by the enterprise with the
// given USCC. It does not check its arguments: see Validate.
func NativeCode(issuerUSCC string, number uint64) Code {
	return Code{Kind: CodeNative, Issuer: issuerUSCC, Number: number}
}

// Validate checks a Code built in Go rather than parsed (ParseCode only
// returns valid Codes): the fields of its kind are valid and the others
// empty. String, ElementString and DigitalLink of an invalid Code need not
// parse back.
func (c Code) Validate() error {
	switch c.Kind {
	case CodeGTIN:
		if c.SSCC != "" || c.Issuer != "" || c.Number != 0 {
			return ErrInvalidCode.Wrapf("a GTIN code cannot also have an SSCC, issuer or number")
		}
		if err := ValidateGTIN(c.GTIN); err != nil {
			return err
		}
		if len(c.GTIN) != gtinLen {
			return ErrInvalidCode.Wrapf("GTIN %q: a Code holds the 14-digit form %s", c.GTIN, strings.Repeat("0", gtinLen-len(c.GTIN))+c.GTIN)
		}
		if c.Batch == "" && c.Serial == "" {
			return ErrInvalidCode.Wrapf("GTIN %s without a batch (10) or serial (21) names a product class, not goods that can be traced: add /10/{batch} or /21/{serial}", c.GTIN)
		}
		for _, f := range []struct{ ai, v string }{{aiCPV, c.CPV}, {aiBatch, c.Batch}, {aiSerial, c.Serial}} {
			if f.v == "" {
				continue
			}
			if err := validateAIValue(f.ai, f.v); err != nil {
				return err
			}
		}
		return nil
	case CodeSSCC:
		if c.GTIN != "" || c.CPV != "" || c.Batch != "" || c.Serial != "" || c.Issuer != "" || c.Number != 0 {
			return ErrInvalidCode.Wrapf("an SSCC code cannot also have a GTIN, CPV, batch, serial, issuer or number")
		}
		return ValidateSSCC(c.SSCC)
	case CodeNative:
		if c.GTIN != "" || c.CPV != "" || c.Batch != "" || c.Serial != "" || c.SSCC != "" {
			return ErrInvalidCode.Wrapf("a native code cannot also have a GTIN, CPV, batch, serial or SSCC")
		}
		if err := ValidateUSCC(c.Issuer); err != nil {
			return ErrInvalidCode.Wrapf("native code issuer: %v", err)
		}
		if c.Number == 0 {
			return ErrInvalidCode.Wrapf("native code number 0 is never issued, numbers start at 1")
		}
		return nil
	}
	return ErrInvalidCode.Wrapf("unknown code kind %d", int(c.Kind))
}

// isCharSet82 reports whether b is in GS1 AI encodable character set 82.
func isCharSet82(b byte) bool {
	switch {
	case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, b) >= 0
}

// validateAIValue checks a batch, serial or CPV: 1-20 characters of set 82.
func validateAIValue(ai, v string) error {
	n := 0
	for _, r := range v {
		n++
		if r >= utf8.RuneSelf || !isCharSet82(byte(r)) {
			return ErrInvalidCode.Wrapf("%s %q: character %d (%q) is not allowed; use letters, digits and !\"%%&'()*+,-./:;<=>?_ (GS1 character set 82)", aiName(ai), clip(v), n, r)
		}
	}
	if n == 0 {
		return ErrInvalidCode.Wrapf("%s is empty", aiName(ai))
	}
	if n > maxAIValueLen {
		return ErrInvalidCode.Wrapf("%s %q has %d characters, at most %d", aiName(ai), clip(v), n, maxAIValueLen)
	}
	return nil
}

// GS1CheckDigit computes the check digit of a GS1 key (GTIN, SSCC, ...)
// from its other digits: weights 3, 1, 3, 1, ... from the right, check =
// (10 - sum mod 10) mod 10. It returns the digit as a character, '0'..'9'.
func GS1CheckDigit(digitsWithoutCheck string) (byte, error) {
	if digitsWithoutCheck == "" {
		return 0, ErrInvalidCode.Wrapf("no digits to compute a GS1 check digit from")
	}
	sum := 0
	for i := len(digitsWithoutCheck) - 1; i >= 0; i-- {
		d := digitsWithoutCheck[i]
		if d < '0' || d > '9' {
			return 0, ErrInvalidCode.Wrapf("%q: character %d (%q) is not a digit", clip(digitsWithoutCheck), i+1, d)
		}
		w := 1
		if (len(digitsWithoutCheck)-1-i)%2 == 0 {
			w = 3
		}
		sum += int(d-'0') * w
	}
	return byte('0' + (10-sum%10)%10), nil
}

// ValidateGTIN checks a GTIN-8, -12, -13 or -14: its length, digits and check
// digit.
func ValidateGTIN(s string) error {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return ErrInvalidCode.Wrapf("GTIN %q has %d characters, want 8, 12, 13 or 14 digits", clip(s), len(s))
	}
	return checkGS1Key("GTIN", s)
}

// ValidateSSCC checks an 18-digit SSCC: its length, digits and check digit.
func ValidateSSCC(s string) error {
	if len(s) != ssccLen {
		return ErrInvalidCode.Wrapf("SSCC %q has %d characters, want 18 digits", clip(s), len(s))
	}
	return checkGS1Key("SSCC", s)
}

// checkGS1Key checks the digits and the check digit of the key s.
func checkGS1Key(name, s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return ErrInvalidCode.Wrapf("%s %q: character %q at byte %d is not a digit", name, clip(s), r, i+1)
		}
	}
	want, err := GS1CheckDigit(s[:len(s)-1])
	if err != nil {
		return err
	}
	if got := s[len(s)-1]; got != want {
		return ErrInvalidCode.Wrapf("%s %q: check digit is %c, want %c", name, s, got, want)
	}
	return nil
}

// String returns the canonical form stored on chain: a Digital Link path
// without scheme and host, "/01/{GTIN-14}[/22/{cpv}][/10/{batch}][/21/{serial}]",
// "/00/{SSCC}" or "/c/CT-{USCC}-{number}-{check}", values percent-encoded
// outside [A-Za-z0-9-._~]. It is "" for a Code of unknown kind.
func (c Code) String() string {
	var b strings.Builder
	switch c.Kind {
	case CodeGTIN:
		b.WriteString("/01/")
		b.WriteString(EscapeUnreserved(c.GTIN))
		for _, f := range []struct{ ai, v string }{{aiCPV, c.CPV}, {aiBatch, c.Batch}, {aiSerial, c.Serial}} {
			if f.v != "" {
				b.WriteString("/" + f.ai + "/")
				b.WriteString(EscapeUnreserved(f.v))
			}
		}
	case CodeSSCC:
		b.WriteString("/00/")
		b.WriteString(EscapeUnreserved(c.SSCC))
	case CodeNative:
		b.WriteString("/" + nativePath + "/")
		b.WriteString(EscapeUnreserved(c.nativeString()))
	}
	return b.String()
}

// nativeString is "CT-{USCC}-{number}-{check}"; the check is '?' when the
// issuer has a character outside the alphabet.
func (c Code) nativeString() string {
	num := strconv.FormatUint(c.Number, 10)
	check, _ := nativeCheckChar(c.Issuer + num)
	return nativePrefix + c.Issuer + "-" + num + "-" + string(check)
}

// ElementString returns the GS1 element string with parentheses:
// "(01)09521234543213(10)B1(21)S1" (AIs in the order 01, 22, 10, 21) or
// "(00)106141411234567897"; for a native code it is String(). A value
// containing '(' cannot be written unambiguously in this form: such a code
// parses back from String and DigitalLink only.
func (c Code) ElementString() string {
	switch c.Kind {
	case CodeGTIN:
		s := "(01)" + c.GTIN
		if c.CPV != "" {
			s += "(22)" + c.CPV
		}
		if c.Batch != "" {
			s += "(10)" + c.Batch
		}
		if c.Serial != "" {
			s += "(21)" + c.Serial
		}
		return s
	case CodeSSCC:
		return "(00)" + c.SSCC
	}
	return c.String()
}

// DigitalLink returns the code as a GS1 Digital Link URI on the resolver
// base, e.g. "https://id.example.com" (a trailing '/' is dropped): base
// followed by String().
func (c Code) DigitalLink(base string) string {
	return strings.TrimRight(base, "/") + c.String()
}

const upperHex = "0123456789ABCDEF"

// EscapeUnreserved percent-encodes every byte outside the URI unreserved
// set [A-Za-z0-9-._~], with upper-case hex digits as url.PathEscape writes
// them: how code values (and the URNs of exports) are written.
func EscapeUnreserved(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// validCode returns c if it is valid, else the zero Code and the error.
func validCode(c Code) (Code, error) {
	if err := c.Validate(); err != nil {
		return Code{}, err
	}
	return c, nil
}

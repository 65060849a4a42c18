package types_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// FuzzParseCode: ParseCode (and ParseTxCode) never panic, refuse with ErrInvalidCode only,
// and whatever it accepts is a valid Code whose canonical form (and, for a
// GTIN or SSCC, element string and Digital Link URI) parses back to it.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{
		"https://id.example.com/01/09521234543213/10/B1/21/S1",
		"https://brand.example.com/a/01/b/01/9521234543213/22/V/10/B%2F1/21/S1?linkType=all#x",
		"http://h/00/106141411234567897",
		"/01/96385074/21/%21%22%25",
		"/01/09521234543213/21/S1/10/B1",
		"/00/106141411234567897/10/B",
		"(01)09521234543213(10)B1(21)S1",
		"(21)A)B(01)09521234543213(22)V",
		"(00)106141411234567897",
		"(01)09521234543213(10)A(B",
		"CT-91330100716105852F-1-N",
		"/c/CT-91330100716105852F-42-H",
		"https://id.example.com/c/CT-91440300708461136T-18446744073709551615-5",
		"CT-91330100716105852F-0-0",
		"",
		"09521234543213",
		"]d20109521234543213" + "10B1\x1d21S1",
		"]C10109521234543213" + "17261231" + "3103001250" + "10L\x1d",
		"\x1d0010614141123456789702095212345432133712\x1d10B1",
		"]Q1HTTPS://h/01/09521234543213/21/S1?17=261231&linkType=all",
		"HtTp://h/01/09521234543213/10/B1?10=B1&17=261200",
		"]E04006381333931",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The syntax of txs under rules v1: it never panics either, and a
		// string both read names the same code.
		tc, terr := types.ParseTxCode(s)
		if terr != nil && !errors.Is(terr, types.ErrInvalidCode) {
			t.Fatalf("ParseTxCode(%q): error %q is not ErrInvalidCode", s, terr)
		}
		c, err := types.ParseCode(s)
		if err == nil && terr == nil && c != tc {
			t.Fatalf("ParseCode(%q) = %+v, ParseTxCode = %+v", s, c, tc)
		}
		if err != nil {
			if !errors.Is(err, types.ErrInvalidCode) {
				t.Fatalf("ParseCode(%q): error %q is not ErrInvalidCode", s, err)
			}
			if c != (types.Code{}) {
				t.Fatalf("ParseCode(%q) returned %+v with its error", s, c)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseCode(%q) = %+v, which does not validate: %v", s, c, err)
		}
		checkCodeRoundTrips(t, c)
	})
}

// FuzzCodeRoundTrip builds valid codes of each kind from arbitrary input and
// checks that every written form parses back to the same Code.
func FuzzCodeRoundTrip(f *testing.F) {
	f.Add("0952123454321", "", "B1", "S1", uint64(1))
	f.Add("9638507", "V1", "", "A/B", uint64(42))
	f.Add("10614141123456789", `!"%&'()*+,-./:;<=>?_`, "50%", "(21)X", uint64(1<<64-1))
	f.Add("", "", "", "", uint64(0))
	f.Fuzz(func(t *testing.T, body, cpv, batch, serial string, number uint64) {
		// A GTIN-14 from the first 13 digits of body (padded with zeros).
		digits := make([]byte, 0, 17)
		for i := 0; i < len(body) && len(digits) < 17; i++ {
			digits = append(digits, '0'+body[i]%10)
		}
		for len(digits) < 17 {
			digits = append(digits, '0')
		}
		gtin := string(digits[:13])
		check, err := types.GS1CheckDigit(gtin)
		if err != nil {
			t.Fatalf("GS1CheckDigit(%q): %v", gtin, err)
		}
		gtin += string(check)
		c := types.Code{Kind: types.CodeGTIN, GTIN: gtin, CPV: set82Value(cpv), Batch: set82Value(batch), Serial: set82Value(serial)}
		if c.Batch == "" && c.Serial == "" {
			c.Batch = "1"
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("built code %+v does not validate: %v", c, err)
		}
		checkCodeRoundTrips(t, c)

		// An SSCC from the first 17 digits.
		sscc := string(digits)
		check, err = types.GS1CheckDigit(sscc)
		if err != nil {
			t.Fatalf("GS1CheckDigit(%q): %v", sscc, err)
		}
		s := types.Code{Kind: types.CodeSSCC, SSCC: sscc + string(check)}
		if err := s.Validate(); err != nil {
			t.Fatalf("built code %+v does not validate: %v", s, err)
		}
		checkCodeRoundTrips(t, s)

		// A native code: the issuer's body from batch+serial mapped onto
		// the GB 32100 alphabet.
		src := batch + serial + body
		ub := make([]byte, 17)
		for i := range ub {
			if i < len(src) {
				ub[i] = refAlphabet[int(src[i])%len(refAlphabet)]
			} else {
				ub[i] = '0'
			}
		}
		if number == 0 {
			number = 1
		}
		n := types.NativeCode(codeUSCC(t, string(ub)), number)
		if err := n.Validate(); err != nil {
			t.Fatalf("built code %+v does not validate: %v", n, err)
		}
		checkCodeRoundTrips(t, n)
	})
}

// set82Value maps s onto GS1 character set 82, at most 20 characters.
func set82Value(s string) string {
	const set82 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + set82Specials
	if len(s) > 20 {
		s = s[:20]
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[i] = set82[int(s[i])%len(set82)]
	}
	return string(b)
}

// checkCodeRoundTrips parses every written form of the valid code c.
func checkCodeRoundTrips(t *testing.T, c types.Code) {
	t.Helper()
	forms := []string{
		c.String(),
		c.DigitalLink("https://id.example.com"),
		c.DigitalLink("https://id.example.com/01/x") + "?linkType=all",
	}
	// A value with '(' cannot be written as an element string.
	if c.Kind == types.CodeNative || !strings.Contains(c.CPV+c.Batch+c.Serial, "(") {
		forms = append(forms, c.ElementString())
	}
	for _, f := range forms {
		got, err := types.ParseCode(f)
		if err != nil {
			t.Fatalf("%+v: ParseCode(%q): %v", c, f, err)
		}
		if got != c {
			t.Fatalf("ParseCode(%q) = %+v, want %+v", f, got, c)
		}
	}
	if strings.ContainsAny(strings.TrimPrefix(c.String(), "/"), "?#") {
		t.Fatalf("canonical form %q has a '?' or '#'", c.String())
	}
}

package types_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// Known-good keys. Check digits by hand, weights 3,1,3,... from the right of
// the digits before the check digit; check = (10 - sum mod 10) mod 10.
//
//	GTIN-14 0952123454321|3: 1*3+2+3*3+4+5*3+4+3*3+2+1*3+2+5*3+9+0*3 = 87 -> 3
//	SSCC 10614141123456789|7: 9*3+8+7*3+6+5*3+4+3*3+2+1*3+1+4*3+1+4*3+1+6*3+0+1*3 = 143 -> 7
//	GTIN-13 400638133393|1 (EAN-13): 3*3+9+3*3+3+3*3+1+8*3+3+6*3+0+0*3+4 = 109 -> 1
//	GTIN-12 03600029145|2 (UPC-A): 5*3+4+1*3+9+2*3+0+0*3+0+6*3+3+0*3 = 58 -> 2
//	GTIN-8 9638507|4 (EAN-8): 7*3+0+5*3+8+3*3+6+9*3 = 86 -> 4
//	GTIN-14 1061414100041|5: 1*3+4+0*3+0+1*3+4+1*3+4+1*3+6+0*3+1 = 35 -> 5
const (
	goodGTIN   = "09521234543213"
	goodSSCC   = "106141411234567897"
	goodGTIN13 = "4006381333931"
	goodGTIN12 = "036000291452"
	goodGTIN8  = "96385074"
	goodGTIN14 = "10614141000415"
)

// refGS1Check is an independent GS1 mod-10 check digit: it walks from the
// left and picks the weight from the parity of the full key's length.
func refGS1Check(body string) byte {
	sum := 0
	for i := 0; i < len(body); i++ {
		d := int(body[i] - '0')
		if (len(body)-i)%2 == 1 { // odd position from the right
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// refNativeCheck restates the native check character: GB 32100 alphabet,
// weights 3^i mod 31 for i = 0, 1, 2, ... without wrapping the sum early.
func refNativeCheck(body string) byte {
	sum, w := 0, 1
	for i := 0; i < len(body); i++ {
		sum += strings.IndexByte(refAlphabet, body[i]) * w
		w = w * 3 % 31
	}
	return refAlphabet[(31-sum%31)%31]
}

// codeUSCC completes a 17-character body with the check character computed
// by types.USCCCheckChar.
func codeUSCC(t testing.TB, body string) string {
	t.Helper()
	c, err := types.USCCCheckChar(body)
	if err != nil {
		t.Fatalf("USCCCheckChar(%q): %v", body, err)
	}
	return body + string(c)
}

// wantInvalidCode fails unless err is ErrInvalidCode and its message
// contains every one of mention.
func wantInvalidCode(t *testing.T, err error, mention ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want ErrInvalidCode")
	}
	if !errors.Is(err, types.ErrInvalidCode) {
		t.Fatalf("error %q is not ErrInvalidCode", err)
	}
	if code, _ := types.CodeOf(err); code != types.ErrInvalidCode.Code {
		t.Fatalf("CodeOf(%q) = %d, want %d", err, code, types.ErrInvalidCode.Code)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Fatalf("error %q does not mention %q", err, m)
		}
	}
}

func TestGS1CheckDigit(t *testing.T) {
	cases := []struct {
		name string
		body string
		want byte
	}{
		{"gtin-14 known good", goodGTIN[:13], '3'},
		{"gtin-14 indicator 1", goodGTIN14[:13], '5'},
		{"gtin-13", goodGTIN13[:12], '1'},
		{"gtin-12", goodGTIN12[:11], '2'},
		{"gtin-8", goodGTIN8[:7], '4'},
		{"sscc", goodSSCC[:17], '7'},
		{"all zeros gives 0", "0000000000000", '0'},
		{"one digit, weight 3", "1", '7'},
		{"two digits, weights 1 3", "12", '3'}, // from the right 2*3 + 1*1 = 7 -> 3
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if ref := refGS1Check(tc.body); ref != tc.want {
				t.Fatalf("reference gives %q, table says %q", ref, tc.want)
			}
			got, err := types.GS1CheckDigit(tc.body)
			if err != nil {
				t.Fatalf("GS1CheckDigit(%q): %v", tc.body, err)
			}
			if got != tc.want {
				t.Fatalf("GS1CheckDigit(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}

	refuse := []struct{ name, body string }{
		{"empty", ""},
		{"letter", "095212345432A"},
		{"space", "0952 23454321"},
		{"non-ascii digit", "０952123454321"},
	}
	for _, tc := range refuse {
		t.Run("refuse/"+tc.name, func(t *testing.T) {
			_, err := types.GS1CheckDigit(tc.body)
			wantInvalidCode(t, err)
		})
	}
}

func TestValidateGTIN(t *testing.T) {
	valid := []struct{ name, gtin string }{
		{"gtin-14", goodGTIN},
		{"gtin-14 indicator 1", goodGTIN14},
		{"gtin-13", goodGTIN13},
		{"gtin-12", goodGTIN12},
		{"gtin-8", goodGTIN8},
		{"gtin-13 of the gtin-14", goodGTIN[1:]},
	}
	for _, tc := range valid {
		t.Run("valid/"+tc.name, func(t *testing.T) {
			if err := types.ValidateGTIN(tc.gtin); err != nil {
				t.Fatalf("ValidateGTIN(%q): %v", tc.gtin, err)
			}
		})
	}
	invalid := []struct{ name, gtin, mention string }{
		{"wrong check digit", "09521234543214", `GTIN "09521234543214": check digit is 4, want 3`},
		{"wrong check gtin-8", "96385075", "want 4"},
		{"swapped digits", "09521234453213", "check digit"},
		{"empty", "", "0 characters"},
		{"7 digits", "9638507", "want 8, 12, 13 or 14"},
		{"11 digits", "03600029145", "want 8, 12, 13 or 14"},
		{"15 digits", "0" + goodGTIN, "want 8, 12, 13 or 14"},
		{"18 digits (an SSCC)", goodSSCC, "want 8, 12, 13 or 14"},
		{"letter", "0952123454321A", "is not a digit"},
		{"space", "0952123 543213", "is not a digit"},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.name, func(t *testing.T) {
			wantInvalidCode(t, types.ValidateGTIN(tc.gtin), tc.mention)
		})
	}
}

// TestValidateGTINEverySingleDigitError changes each digit of a good GTIN
// to every other digit: the mod-10 check catches each change.
func TestValidateGTINEverySingleDigitError(t *testing.T) {
	for pos := 0; pos < len(goodGTIN); pos++ {
		for d := byte('0'); d <= '9'; d++ {
			if goodGTIN[pos] == d {
				continue
			}
			g := []byte(goodGTIN)
			g[pos] = d
			if err := types.ValidateGTIN(string(g)); !errors.Is(err, types.ErrInvalidCode) {
				t.Fatalf("ValidateGTIN(%q) = %v, want ErrInvalidCode", g, err)
			}
		}
	}
}

func TestValidateSSCC(t *testing.T) {
	if err := types.ValidateSSCC(goodSSCC); err != nil {
		t.Fatalf("ValidateSSCC(%q): %v", goodSSCC, err)
	}
	invalid := []struct{ name, sscc, mention string }{
		{"wrong check digit", "106141411234567898", `SSCC "106141411234567898": check digit is 8, want 7`},
		{"17 digits", goodSSCC[:17], "want 18 digits"},
		{"19 digits", goodSSCC + "0", "want 18 digits"},
		{"a gtin", goodGTIN, "want 18 digits"},
		{"letter", "10614141123456789A", "is not a digit"},
		{"empty", "", "want 18 digits"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			wantInvalidCode(t, types.ValidateSSCC(tc.sscc), tc.mention)
		})
	}
}

func gtinCode(gtin, cpv, batch, serial string) types.Code {
	return types.Code{Kind: types.CodeGTIN, GTIN: gtin, CPV: cpv, Batch: batch, Serial: serial}
}

// set82Specials are the characters of GS1 character set 82 besides letters
// and digits: exactly 20, so they fit one value.
const set82Specials = `!"%&'()*+,-./:;<=>?_`

func TestParseCodeAccepts(t *testing.T) {
	issuer := codeUSCC(t, "91330106MA27XL0P1")
	native := types.NativeCode(issuer, 42)
	nativeBody := strings.TrimPrefix(native.String(), "/c/")
	sscc := types.Code{Kind: types.CodeSSCC, SSCC: goodSSCC}

	cases := []struct {
		name string
		in   string
		want types.Code
	}{
		// Digital Link URIs.
		{"uri batch and serial", "https://id.example.com/01/09521234543213/10/B1/21/S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"uri http", "http://id.example.com/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"uri upper-case scheme", "HTTPS://ID.EXAMPLE.COM/01/09521234543213/21/S1", gtinCode(goodGTIN, "", "", "S1")},
		{"uri host with port", "https://id.example.com:8443/01/09521234543213/21/S1", gtinCode(goodGTIN, "", "", "S1")},
		{"uri serial only", "https://id.example.com/01/09521234543213/21/S1", gtinCode(goodGTIN, "", "", "S1")},
		{"uri cpv batch serial", "https://id.example.com/01/09521234543213/22/V2/10/B1/21/S1", gtinCode(goodGTIN, "V2", "B1", "S1")},
		{"uri cpv and serial", "https://id.example.com/01/09521234543213/22/V2/21/S1", gtinCode(goodGTIN, "V2", "", "S1")},
		{"uri custom path prefix", "https://brand.example.com/products/frozen/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"uri prefix containing 01", "https://example.com/01/catalogue/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"uri prefix with empty segment", "https://example.com//dl/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"uri query ignored", "https://id.example.com/01/09521234543213/10/B1/21/S1?linkType=gs1:pip&17=261231", gtinCode(goodGTIN, "", "B1", "S1")},
		{"uri fragment ignored", "https://id.example.com/01/09521234543213/10/B1#top", gtinCode(goodGTIN, "", "B1", "")},
		{"uri gtin-13 padded", "https://id.example.com/01/9521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"uri gtin-12 padded", "https://id.example.com/01/036000291452/10/L7", gtinCode("00"+goodGTIN12, "", "L7", "")},
		{"uri gtin-8 padded", "https://id.example.com/01/96385074/21/1", gtinCode("000000"+goodGTIN8, "", "", "1")},
		{"uri gtin-14 indicator", "https://id.example.com/01/10614141000415/10/X", gtinCode(goodGTIN14, "", "X", "")},
		{"uri encoded slash", "https://id.example.com/01/09521234543213/21/A%2FB", gtinCode(goodGTIN, "", "", "A/B")},
		{"uri lower-case hex", "https://id.example.com/01/09521234543213/21/A%2fB", gtinCode(goodGTIN, "", "", "A/B")},
		{"uri encoded percent", "https://id.example.com/01/09521234543213/10/50%25", gtinCode(goodGTIN, "", "50%", "")},
		{"uri encoded question mark", "https://id.example.com/01/09521234543213/10/A%3F", gtinCode(goodGTIN, "", "A?", "")},
		{"uri unencoded sub-delims", "https://id.example.com/01/09521234543213/10/A!*'()+,;=:", gtinCode(goodGTIN, "", "A!*'()+,;=:", "")},
		{"uri needlessly encoded letters", "https://id.example.com/01/09521234543213/10/%42%31", gtinCode(goodGTIN, "", "B1", "")},
		{"uri every special character", "https://id.example.com/01/09521234543213/21/" + url.PathEscape(set82Specials), gtinCode(goodGTIN, "", "", set82Specials)},
		{"uri values that look like AIs", "https://id.example.com/01/09521234543213/10/21/21/10", gtinCode(goodGTIN, "", "21", "10")},
		{"uri value 01", "https://id.example.com/01/09521234543213/10/01", gtinCode(goodGTIN, "", "01", "")},
		{"uri batch of 20 characters", "https://id.example.com/01/09521234543213/10/ABCDEFGHIJ0123456789", gtinCode(goodGTIN, "", "ABCDEFGHIJ0123456789", "")},
		{"uri sscc", "https://id.example.com/00/106141411234567897", sscc},
		{"uri sscc with prefix and query", "https://id.example.com/dl/00/106141411234567897?linkType=all", sscc},
		{"uri native", "https://id.example.com/c/" + nativeBody, native},
		{"uri native with prefix", "https://id.example.com/coldtrace/c/" + nativeBody, native},

		// Paths without scheme and host.
		{"path gtin", "/01/09521234543213/10/B1/21/S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"path gtin-13 padded", "/01/9521234543213/21/S1", gtinCode(goodGTIN, "", "", "S1")},
		{"path with query", "/01/09521234543213/10/B1?exp=261231", gtinCode(goodGTIN, "", "B1", "")},
		{"path encoded", "/01/09521234543213/22/V%2B1/10/B%21", gtinCode(goodGTIN, "V+1", "B!", "")},
		{"path sscc", "/00/106141411234567897", sscc},
		{"path native", "/c/" + nativeBody, native},

		// Element strings.
		{"element batch and serial", "(01)09521234543213(10)B1(21)S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"element serial first", "(21)S1(10)B1(01)09521234543213", gtinCode(goodGTIN, "", "B1", "S1")},
		{"element with cpv", "(01)09521234543213(22)V2(10)B1", gtinCode(goodGTIN, "V2", "B1", "")},
		{"element cpv last", "(01)09521234543213(21)S1(22)V2", gtinCode(goodGTIN, "V2", "", "S1")},
		{"element ')' in value", "(01)09521234543213(10)A)B", gtinCode(goodGTIN, "", "A)B", "")},
		{"element '/' and '%' literal", "(01)09521234543213(10)50%(21)A/B", gtinCode(goodGTIN, "", "50%", "A/B")},
		{"element every special but '('", "(01)09521234543213(21)" + strings.Replace(set82Specials, "(", "", 1), gtinCode(goodGTIN, "", "", strings.Replace(set82Specials, "(", "", 1))},
		{"element sscc", "(00)106141411234567897", sscc},

		// Native codes.
		{"native bare", nativeBody, native},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := types.ParseCode(tc.in)
			if err != nil {
				t.Fatalf("ParseCode(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseCode(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("parsed code %+v does not validate: %v", got, err)
			}
		})
	}
}

func TestParseCodeRefuses(t *testing.T) {
	issuer := codeUSCC(t, "91330106MA27XL0P1")
	body := issuer + "42"
	check := refNativeCheck(body)
	native := "CT-" + issuer + "-42-" + string(check)
	var wrongCheck byte = '0'
	if check == '0' {
		wrongCheck = '1'
	}
	badUSCC := issuer[:17] + string(refAlphabet[(strings.IndexByte(refAlphabet, issuer[17])+1)%31])
	const dl = "https://id.example.com/01/09521234543213"

	cases := []struct {
		name    string
		in      string
		mention []string
	}{
		// Any form.
		{"empty", "", []string{"empty code"}},
		{"leading space", " /01/09521234543213/10/B1", []string{"white space"}},
		{"trailing newline", "/01/09521234543213/10/B1\n", []string{"white space"}},
		{"tab inside", "(01)09521234543213(10)B\t1", []string{"white space"}},
		{"too long", dl + "/10/B1?q=" + strings.Repeat("x", 3000), []string{"at most 2048"}},
		{"bare gtin", goodGTIN, []string{"product class"}},
		{"bare sscc", goodSSCC, []string{"/00/{SSCC}"}},
		{"urn", "urn:epc:id:sgtin:9521234.054321.S1", []string{"not in a recognised form"}},
		{"ftp uri", "ftp://id.example.com/01/09521234543213/10/B1", []string{"only http and https"}},

		// Digital Link.
		{"uri bare gtin", dl, []string{"product class", "09521234543213"}},
		{"uri gtin with cpv only", dl + "/22/V1", []string{"product class"}},
		{"path bare gtin", "/01/09521234543213", []string{"product class"}},
		{"uri wrong gtin check digit", "https://id.example.com/01/09521234543214/10/B1", []string{`GTIN "09521234543214": check digit is 4, want 3`}},
		{"uri gtin of 11 digits", "https://id.example.com/01/03600029145/10/B1", []string{"want 8, 12, 13 or 14"}},
		{"uri gtin with letter", "https://id.example.com/01/0952123454321A/10/B1", []string{"not a digit"}},
		{"uri wrong sscc check digit", "https://id.example.com/00/106141411234567898", []string{"check digit is 8, want 7"}},
		{"uri sscc of 17 digits", "https://id.example.com/00/10614141123456789", []string{"want 18 digits"}},
		{"uri serial before batch", dl + "/21/S1/10/B1", []string{"/10/ must come before /21/"}},
		{"uri batch before cpv", dl + "/10/B1/22/V1", []string{"/22/ must come before /10/"}},
		{"uri serial before cpv", dl + "/21/S1/22/V1", []string{"/22/ must come before /21/"}},
		{"uri batch twice", dl + "/10/B1/10/B2", []string{"/10/ appears twice"}},
		{"uri serial twice around batch", dl + "/21/S1/10/B1/21/S2", []string{"/21/ appears twice"}},
		{"uri unknown AI as qualifier", dl + "/10/B1/17/261231", []string{"AI 17 is not part of a code"}},
		{"uri unknown primary key", "https://id.example.com/414/9521234000009/10/B1", []string{"AI 414 is not part of a code"}},
		{"uri short names", "https://id.example.com/gtin/09521234543213/lot/B1", []string{"short names"}},
		{"uri no primary key", "https://id.example.com/products/10/B1", []string{"no primary key"}},
		{"uri only qualifiers", "https://id.example.com/10/B1/21/S1", []string{"no primary key /01/{GTIN} before key qualifier /10/"}},
		{"uri no key at all", "https://id.example.com/products/page", []string{"does not end in /01/"}},
		{"uri sscc with qualifier", "https://id.example.com/00/106141411234567897/21/S1", []string{"SSCC (/00/) takes no key qualifiers"}},
		{"uri trailing slash", dl + "/10/B1/", []string{"trailing slash"}},
		{"uri qualifier without value", dl + "/10", []string{"ends in /10 with no value"}},
		{"uri empty batch", dl + "/10//21/S1", []string{"empty value after /10/"}},
		{"uri empty gtin", "https://id.example.com/01//10/B1", []string{"empty value after /01/"}},
		{"uri no host", "https:///01/09521234543213/10/B1", []string{"no host"}},
		{"uri no path", "https://id.example.com", []string{"no path"}},
		{"uri root path", "https://id.example.com/?01=09521234543213", []string{"no path"}},
		{"uri bad percent-encoding", dl + "/10/B%zz", []string{"bad percent-encoding", "batch (AI 10)"}},
		{"uri truncated percent-encoding", dl + "/21/S%2", []string{"bad percent-encoding", "serial (AI 21)"}},
		{"uri encoded space", dl + "/10/B%201", []string{"batch (AI 10)", "character 2 (' ') is not allowed"}},
		{"uri encoded non-ascii", dl + "/10/%C3%A9t%C3%A9", []string{"batch (AI 10)", "('é') is not allowed"}},
		{"uri tilde", dl + "/21/A~B", []string{"serial (AI 21)", "('~') is not allowed"}},
		{"uri hash encoded", dl + "/21/A%23B", []string{"serial (AI 21)", "('#') is not allowed"}},
		{"uri batch of 21 characters", dl + "/10/" + strings.Repeat("B", 21), []string{"batch (AI 10)", "21 characters, at most 20"}},
		{"uri serial of 21 characters", dl + "/21/" + strings.Repeat("7", 21), []string{"serial (AI 21)", "at most 20"}},
		{"uri cpv of 21 characters", dl + "/22/" + strings.Repeat("V", 21) + "/10/B1", []string{"CPV (AI 22)", "at most 20"}},
		{"uri encoded value over 20 characters", dl + "/21/" + strings.Repeat("%2F", 21), []string{"at most 20"}},
		{"path with prefix", "/products/01/09521234543213/10/B1", []string{"must start with /01/, /00/ or /c/"}},
		{"path protocol-relative", "//id.example.com/01/09521234543213/10/B1", []string{"must start with"}},
		{"path only slash", "/", []string{"no path"}},

		// Element strings.
		{"element bare gtin", "(01)09521234543213", []string{"product class"}},
		{"element wrong check digit", "(01)09521234543214(10)B1", []string{"check digit is 4, want 3"}},
		{"element gtin-13", "(01)9521234543213(10)B1", []string{"14-digit GTIN", "(01)09521234543213"}},
		{"element bad gtin-13", "(01)9521234543214(10)B1", []string{"check digit"}},
		{"element parenthesis in value", "(01)09521234543213(10)A(B(21)S1", []string{"cannot contain '('", "(10)"}},
		{"element parenthesis at end of value", "(01)09521234543213(10)AB(", []string{"cannot contain '('"}},
		{"element AI twice", "(01)09521234543213(10)B1(10)B2", []string{"AI (10) appears twice"}},
		{"element sscc with gtin", "(00)106141411234567897(01)09521234543213", []string{"cannot be combined", "(01)"}},
		{"element unknown AI", "(01)09521234543213(99)261231(10)B1", []string{"AI (99) is not one a code reads"}},
		{"element no primary key", "(10)B1(21)S1", []string{"no GTIN (01) or SSCC (00)"}},
		{"element empty value", "(01)09521234543213(10)(21)S1", []string{"AI (10) has no value"}},
		{"element unclosed", "(01", []string{"not closed"}},
		{"element not an AI", "(GTIN)09521234543213", []string{"is not an AI"}},
		{"element wrong sscc", "(00)106141411234567898", []string{"check digit is 8, want 7"}},
		{"element value of 21 characters", "(01)09521234543213(21)" + strings.Repeat("S", 21), []string{"serial (AI 21)", "at most 20"}},
		{"element non-set-82 character", "(01)09521234543213(10)B#1", []string{"('#') is not allowed"}},
		{"element non-ascii", "(01)09521234543213(10)批次1", []string{"('批') is not allowed"}},

		// Native codes.
		{"native wrong check character", "CT-" + body[:18] + "-42-" + string(wrongCheck), []string{"check character is", fmt.Sprintf("want %q", check)}},
		{"native bad uscc check", "CT-" + badUSCC + "-42-" + string(refNativeCheck(badUSCC+"42")), []string{"issuer", "check character"}},
		{"native short uscc", "CT-" + issuer[:17] + "-42-0", []string{"issuer", "want 18"}},
		{"native lower-case uscc", "CT-" + strings.ToLower(issuer) + "-42-" + string(check), []string{"issuer"}},
		{"native number 0", "CT-" + issuer + "-0-" + string(refNativeCheck(issuer+"0")), []string{"numbers start at 1"}},
		{"native leading zero", "CT-" + issuer + "-042-" + string(refNativeCheck(issuer+"042")), []string{"leading zero"}},
		{"native number too large", "CT-" + issuer + "-18446744073709551616-" + string(refNativeCheck(issuer+"18446744073709551616")), []string{"too large"}},
		{"native number not decimal", "CT-" + issuer + "-4A-0", []string{"not a decimal number"}},
		{"native empty number", "CT-" + issuer + "--0", []string{"not a decimal number"}},
		{"native no check", "CT-" + issuer + "-42", []string{"want CT-{USCC}-{number}-{check}"}},
		{"native two check characters", native + "0", []string{"want the one character"}},
		{"native extra part", native + "-1", []string{"want CT-{USCC}-{number}-{check}"}},
		{"native lower-case prefix", "ct-" + issuer + "-42-" + string(check), []string{`upper-case "CT-"`}},
		{"native path with qualifier", "/c/" + native + "/10/B1", []string{"native code /c/CT-… takes no key qualifiers"}},
		{"native path with prefix", "/x/c/" + native, []string{"must start with"}},
		{"native path wrong check", "/c/CT-" + body[:18] + "-42-" + string(wrongCheck), []string{"check character is"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := types.ParseCode(tc.in)
			if err == nil {
				t.Fatalf("ParseCode(%q) = %+v, want an error", tc.in, got)
			}
			if got != (types.Code{}) {
				t.Fatalf("ParseCode(%q) returned %+v with its error, want the zero Code", tc.in, got)
			}
			wantInvalidCode(t, err, tc.mention...)
		})
	}
}

func TestCodeForms(t *testing.T) {
	issuer := codeUSCC(t, "91330106MA27XL0P1")
	cases := []struct {
		name      string
		code      types.Code
		canonical string
		element   string
	}{
		{"batch and serial", gtinCode(goodGTIN, "", "B1", "S1"),
			"/01/09521234543213/10/B1/21/S1", "(01)09521234543213(10)B1(21)S1"},
		{"cpv batch serial", gtinCode(goodGTIN, "V+1", "B1", "S1"),
			"/01/09521234543213/22/V%2B1/10/B1/21/S1", "(01)09521234543213(22)V+1(10)B1(21)S1"},
		{"serial only", gtinCode(goodGTIN, "", "", "S1"),
			"/01/09521234543213/21/S1", "(01)09521234543213(21)S1"},
		{"batch only", gtinCode(goodGTIN, "", "L-2026.01_a", ""),
			"/01/09521234543213/10/L-2026.01_a", "(01)09521234543213(10)L-2026.01_a"},
		{"slash in serial", gtinCode(goodGTIN, "", "", "A/B"),
			"/01/09521234543213/21/A%2FB", "(01)09521234543213(21)A/B"},
		{"percent in batch", gtinCode(goodGTIN, "", "50%", ""),
			"/01/09521234543213/10/50%25", "(01)09521234543213(10)50%"},
		{"every special character", gtinCode(goodGTIN, "", "", set82Specials),
			"/01/09521234543213/21/%21%22%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F_",
			"(01)09521234543213(21)" + set82Specials},
		{"gtin-8 padded", gtinCode("000000"+goodGTIN8, "", "B", ""),
			"/01/00000096385074/10/B", "(01)00000096385074(10)B"},
		{"sscc", types.Code{Kind: types.CodeSSCC, SSCC: goodSSCC},
			"/00/106141411234567897", "(00)106141411234567897"},
		{"native", types.NativeCode(issuer, 7),
			"/c/CT-" + issuer + "-7-" + string(refNativeCheck(issuer+"7")), "/c/CT-" + issuer + "-7-" + string(refNativeCheck(issuer+"7"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.code.String(); got != tc.canonical {
				t.Errorf("String() = %q, want %q", got, tc.canonical)
			}
			if got := tc.code.ElementString(); got != tc.element {
				t.Errorf("ElementString() = %q, want %q", got, tc.element)
			}
			for _, base := range []string{"https://id.example.com", "https://id.example.com/", "https://example.com/dl"} {
				want := strings.TrimSuffix(base, "/") + tc.canonical
				if got := tc.code.DigitalLink(base); got != want {
					t.Errorf("DigitalLink(%q) = %q, want %q", base, got, want)
				}
			}
			// The canonical path is decoded by the standard library to the
			// same segments.
			if tc.code.Kind == types.CodeGTIN {
				segs := strings.Split(tc.canonical, "/")
				last, err := url.PathUnescape(segs[len(segs)-1])
				if err != nil {
					t.Fatalf("url.PathUnescape: %v", err)
				}
				want := tc.code.Serial
				if want == "" {
					want = tc.code.Batch
				}
				if last != want {
					t.Errorf("last segment decodes to %q, want %q", last, want)
				}
			}
		})
	}
}

// TestCodeEscapingEveryByte: every character of set 82 is written as itself
// when unreserved and as upper-case %XX otherwise, as url.PathEscape writes
// the characters it escapes.
func TestCodeEscapingEveryByte(t *testing.T) {
	const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	set82 := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + set82Specials
	for i := 0; i < len(set82); i++ {
		ch := set82[i]
		c := gtinCode(goodGTIN, "", "", "S"+string(ch))
		got := strings.TrimPrefix(c.String(), "/01/"+goodGTIN+"/21/S")
		want := string(ch)
		if strings.IndexByte(unreserved, ch) < 0 {
			want = fmt.Sprintf("%%%02X", ch)
			if pe := url.PathEscape(string(ch)); pe != string(ch) && pe != want {
				t.Errorf("url.PathEscape(%q) = %q, want %q", ch, pe, want)
			}
		}
		if got != want {
			t.Errorf("serial S%c is written %q, want %q", ch, got, want)
		}
		if back, err := types.ParseCode(c.String()); err != nil || back != c {
			t.Errorf("ParseCode(%q) = %+v, %v; want %+v", c.String(), back, err, c)
		}
	}
}

func TestCodeRoundTrips(t *testing.T) {
	issuers := []string{
		codeUSCC(t, "91330106MA27XL0P1"),
		codeUSCC(t, "91310000MA1FL5M83"),
		"91440300708461136T",
	}
	codes := []types.Code{
		gtinCode(goodGTIN, "", "B1", "S1"),
		gtinCode(goodGTIN, "", "B1", ""),
		gtinCode(goodGTIN, "", "", "S1"),
		gtinCode(goodGTIN, "V1", "B1", "S1"),
		gtinCode(goodGTIN, "V1", "", "S1"),
		gtinCode(goodGTIN14, "", "ABCDEFGHIJ0123456789", "abcdefghij0123456789"),
		gtinCode("0"+goodGTIN13, "", "B/2026/01", "50%/x?y=z"),
		gtinCode("00"+goodGTIN12, `"'&<>`, "!*+,-.:;=_", "21"),
		gtinCode("000000"+goodGTIN8, "", "01", "10"),
		gtinCode(goodGTIN, "", "A)B", ")"),
		{Kind: types.CodeSSCC, SSCC: goodSSCC},
	}
	for _, iss := range issuers {
		for _, n := range []uint64{1, 7, 42, 1000000, 1<<64 - 1} {
			codes = append(codes, types.NativeCode(iss, n))
		}
	}
	bases := []string{"https://id.example.com", "http://localhost:8080", "https://brand.example.com/01/products"}
	for _, c := range codes {
		t.Run(c.String(), func(t *testing.T) {
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			forms := []string{c.String(), c.ElementString()}
			for _, b := range bases {
				forms = append(forms, c.DigitalLink(b), c.DigitalLink(b)+"?linkType=all")
			}
			for _, f := range forms {
				got, err := types.ParseCode(f)
				if err != nil {
					t.Fatalf("ParseCode(%q): %v", f, err)
				}
				if got != c {
					t.Fatalf("ParseCode(%q) = %+v, want %+v", f, got, c)
				}
				if got.String() != c.String() {
					t.Fatalf("String changed: %q, want %q", got.String(), c.String())
				}
			}
		})
	}
}

// TestCodeElementStringWithParenthesis documents the one code that does not
// round-trip through ElementString: a value with '(' cannot be written in
// element-string form, so its element string is refused (and String and
// DigitalLink still round-trip).
func TestCodeElementStringWithParenthesis(t *testing.T) {
	for _, c := range []types.Code{
		gtinCode(goodGTIN, "", "A(B", ""),
		gtinCode(goodGTIN, "", "B1", "("),
		gtinCode(goodGTIN, "(21)X", "B1", ""),
	} {
		if _, err := types.ParseCode(c.ElementString()); err == nil {
			// "(22)(21)X(10)B1" reads as an empty (22): still an error.
			t.Errorf("ParseCode(%q) succeeded, want an error", c.ElementString())
		}
		if got, err := types.ParseCode(c.String()); err != nil || got != c {
			t.Errorf("ParseCode(%q) = %+v, %v; want %+v", c.String(), got, err, c)
		}
	}
	// A value that contains a whole element string reads as other AIs: the
	// form is ambiguous, which is why String is the canonical form.
	c := gtinCode(goodGTIN, "", "B1(21)X", "")
	if got, err := types.ParseCode(c.ElementString()); err == nil && got == c {
		t.Errorf("ParseCode(%q) = %+v: a '(' in a value must not survive element-string form", c.ElementString(), got)
	}
}

func TestNativeCode(t *testing.T) {
	issuer := codeUSCC(t, "91330106MA27XL0P1")

	// Hand-computed: Alibaba's USCC 91330100716105852F with number 1 gives
	// the body 91330100716105852F1; values times weights 1 3 9 27 19 26 16
	// 17 20 29 25 13 8 24 10 30 28 22 4:
	//	9+3+27+81+0+26+0+0+140+29+150+13+0+120+80+150+56+330+4 = 1218
	//	1218 = 39*31 + 9, check = 31 - 9 = 22 -> 'N'
	// With number 42: ... + 330 + 4*4 + 2*12 = 1254 = 40*31 + 14 -> 17 -> 'H'.
	// Tencent's 91440300708461136T with the largest number runs past 30
	// characters, where the weights start again at 1: sum 2723 = 87*31 + 26
	// -> 5 -> '5'.
	cases := []struct {
		name   string
		issuer string
		number uint64
		want   string
	}{
		{"published alibaba 1", "91330100716105852F", 1, "/c/CT-91330100716105852F-1-N"},
		{"published alibaba 42", "91330100716105852F", 42, "/c/CT-91330100716105852F-42-H"},
		{"weights wrap after 30", "91440300708461136T", 1<<64 - 1, "/c/CT-91440300708461136T-18446744073709551615-5"},
		{"synthetic", issuer, 42, "/c/CT-" + issuer + "-42-" + string(refNativeCheck(issuer+"42"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := types.NativeCode(tc.issuer, tc.number)
			if c.Kind != types.CodeNative || c.Issuer != tc.issuer || c.Number != tc.number {
				t.Fatalf("NativeCode = %+v", c)
			}
			if got := c.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
			body := strings.TrimPrefix(tc.want, "/c/CT-")
			body = body[:len(body)-2]
			body = strings.Replace(body, "-", "", 1)
			if ref := refNativeCheck(body); ref != tc.want[len(tc.want)-1] {
				t.Fatalf("reference check of %q is %q, table says %q", body, ref, tc.want[len(tc.want)-1])
			}
			for _, f := range []string{c.String(), strings.TrimPrefix(c.String(), "/c/"), c.ElementString(), c.DigitalLink("https://id.example.com")} {
				got, err := types.ParseCode(f)
				if err != nil {
					t.Fatalf("ParseCode(%q): %v", f, err)
				}
				if got != c {
					t.Fatalf("ParseCode(%q) = %+v, want %+v", f, got, c)
				}
			}
		})
	}

	// Exactly one of the 31 alphabet characters is the right check.
	c := types.NativeCode(issuer, 42)
	s := c.String()
	for i := 0; i < len(refAlphabet); i++ {
		in := s[:len(s)-1] + string(refAlphabet[i])
		_, err := types.ParseCode(in)
		if refAlphabet[i] == s[len(s)-1] {
			if err != nil {
				t.Fatalf("ParseCode(%q): %v", in, err)
			}
			continue
		}
		wantInvalidCode(t, err, "check character is")
	}

	// Each single wrong character of the body is caught.
	bare := strings.TrimPrefix(s, "/c/")
	for pos := len("CT-"); pos < len(bare)-2; pos++ {
		if bare[pos] == '-' {
			continue
		}
		for i := 0; i < len(refAlphabet); i++ {
			ch := refAlphabet[i]
			if ch == bare[pos] {
				continue
			}
			in := bare[:pos] + string(ch) + bare[pos+1:]
			if _, err := types.ParseCode(in); !errors.Is(err, types.ErrInvalidCode) {
				t.Fatalf("ParseCode(%q) = %v, want ErrInvalidCode", in, err)
			}
		}
	}
}

func TestCodeValidate(t *testing.T) {
	issuer := codeUSCC(t, "91330106MA27XL0P1")
	cases := []struct {
		name    string
		code    types.Code
		mention string
	}{
		{"zero code", types.Code{}, "unknown code kind 0"},
		{"unknown kind", types.Code{Kind: 9, GTIN: goodGTIN, Batch: "B"}, "unknown code kind 9"},
		{"gtin-13 not padded", gtinCode(goodGTIN13, "", "B", ""), "14-digit form 0" + goodGTIN13},
		{"gtin wrong check", gtinCode("09521234543214", "", "B", ""), "check digit is 4, want 3"},
		{"gtin without batch or serial", gtinCode(goodGTIN, "V", "", ""), "product class"},
		{"gtin with sscc", types.Code{Kind: types.CodeGTIN, GTIN: goodGTIN, Batch: "B", SSCC: goodSSCC}, "cannot also have"},
		{"gtin with number", types.Code{Kind: types.CodeGTIN, GTIN: goodGTIN, Batch: "B", Number: 1}, "cannot also have"},
		{"gtin bad batch", gtinCode(goodGTIN, "", "B 1", ""), "batch (AI 10)"},
		{"gtin bad cpv", gtinCode(goodGTIN, "V~", "B1", ""), "CPV (AI 22)"},
		{"sscc wrong check", types.Code{Kind: types.CodeSSCC, SSCC: "106141411234567898"}, "want 7"},
		{"sscc with batch", types.Code{Kind: types.CodeSSCC, SSCC: goodSSCC, Batch: "B"}, "cannot also have"},
		{"native bad issuer", types.NativeCode(issuer[:17]+"!", 1), "issuer"},
		{"native empty issuer", types.NativeCode("", 1), "issuer"},
		{"native number 0", types.NativeCode(issuer, 0), "start at 1"},
		{"native with gtin", types.Code{Kind: types.CodeNative, Issuer: issuer, Number: 1, GTIN: goodGTIN}, "cannot also have"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantInvalidCode(t, tc.code.Validate(), tc.mention)
			// Whatever String gives for an invalid code, it does not parse
			// back to that code, and it never panics.
			if got, err := types.ParseCode(tc.code.String()); err == nil && got == tc.code {
				t.Fatalf("invalid code %+v parsed back from %q", tc.code, tc.code.String())
			}
		})
	}
}

func TestCodeKindString(t *testing.T) {
	for k, want := range map[types.CodeKind]string{
		types.CodeGTIN: "gtin", types.CodeSSCC: "sscc", types.CodeNative: "native", 0: "CodeKind(0)",
	} {
		if got := k.String(); got != want {
			t.Errorf("CodeKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func ExampleParseCode() {
	c, err := types.ParseCode("https://brand.example.com/products/01/9521234543213/10/LOT%2F7/21/S1?linkType=gs1:pip")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.String())
	fmt.Println(c.ElementString())
	fmt.Println(c.DigitalLink("https://id.example.com"))

	_, err = types.ParseCode("https://id.example.com/01/09521234543214/10/LOT7")
	fmt.Println(err)
	// Output:
	// /01/09521234543213/10/LOT%2F7/21/S1
	// (01)09521234543213(10)LOT/7(21)S1
	// https://id.example.com/01/09521234543213/10/LOT%2F7/21/S1
	// invalid code: GTIN "09521234543214": check digit is 4, want 3
}

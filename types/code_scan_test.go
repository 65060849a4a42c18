package types_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/coldtrace/coldtrace/types"
)

// GS is FNC1 as scanners send it: $'\x1d' in bash.
const GS = "\x1d"

const gtinAI = "01" + goodGTIN // 0109521234543213

func TestParseCodeScannerInput(t *testing.T) {
	sscc := types.Code{Kind: types.CodeSSCC, SSCC: goodSSCC}
	cases := []struct {
		name string
		in   string
		dl   string // the equivalent Digital Link URI
		want types.Code
	}{
		{"datamatrix batch GS serial", "]d2" + gtinAI + "10B1" + GS + "21S1", "https://id.example.com/01/09521234543213/10/B1/21/S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"gs1 qr", "]Q3" + gtinAI + "10B1" + GS + "21S1", "https://id.example.com/01/09521234543213/10/B1/21/S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"gs1-128 batch at the end", "]C1" + gtinAI + "10B1", "https://id.example.com/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"databar serial", "]e0" + gtinAI + "21S1", "/01/09521234543213/21/S1", gtinCode(goodGTIN, "", "", "S1")},
		{"dotcode", "]J1" + gtinAI + "10B1", "/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"no symbology id", gtinAI + "10B1" + GS + "21S1", "/01/09521234543213/10/B1/21/S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"GS at the end", gtinAI + "10B1" + GS + "21S1" + GS, "/01/09521234543213/10/B1/21/S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"leading GS (FNC1 in first position)", GS + gtinAI + "10B1", "/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"symbology id then leading GS", "]d2" + GS + gtinAI + "10B1", "/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"needless GS after the GTIN", gtinAI + GS + "10B1", "/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"variable AIs first", "10B1" + GS + "21S1" + GS + gtinAI, "/01/09521234543213/10/B1/21/S1", gtinCode(goodGTIN, "", "B1", "S1")},
		{"cpv batch serial", gtinAI + "22V1" + GS + "10B1" + GS + "21S1", "/01/09521234543213/22/V1/10/B1/21/S1", gtinCode(goodGTIN, "V1", "B1", "S1")},
		{"all digits", gtinAI + "211234", "/01/09521234543213/21/1234", gtinCode(goodGTIN, "", "", "1234")},
		{"food label with expiry and net weight", "]C1" + gtinAI + "17261231" + "3103001250" + "10LOT-7/A" + GS + "21S1",
			"https://id.example.com/01/09521234543213/10/LOT-7%2FA/21/S1?17=261231&3103=001250", gtinCode(goodGTIN, "", "LOT-7/A", "S1")},
		{"production and best before dates", gtinAI + "11260721" + "15270120" + "10B1", "/01/09521234543213/10/B1?11=260721&15=270120", gtinCode(goodGTIN, "", "B1", "")},
		{"day 00 ends the month", gtinAI + "17261200" + "10B1", "/01/09521234543213/10/B1?17=261200", gtinCode(goodGTIN, "", "B1", "")},
		{"serial of 20 characters at the end", gtinAI + "21" + "ABCDEFGHIJ0123456789", "/01/09521234543213/21/ABCDEFGHIJ0123456789", gtinCode(goodGTIN, "", "", "ABCDEFGHIJ0123456789")},
		{"set 82 specials", gtinAI + `10!"%&'()*+,-./:;<=>?_`, "/01/09521234543213/10/" + "%21%22%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F_", gtinCode(goodGTIN, "", set82Specials, "")},
		{"sscc", "]C1" + "00" + goodSSCC, "/00/106141411234567897", sscc},
		{"sscc with content, count and batch", "]C1" + "00" + goodSSCC + "02" + goodGTIN + "3712" + GS + "10B1",
			"https://id.example.com/00/106141411234567897?02=09521234543213&37=12&10=B1", sscc},
		{"bracketed with data attributes", "(01)09521234543213(17)261231(10)B1(3103)001250", "/01/09521234543213/10/B1?17=261231", gtinCode(goodGTIN, "", "B1", "")},
		{"plain qr with a Digital Link URI", "]Q1https://id.example.com/01/09521234543213/10/B1", "https://id.example.com/01/09521234543213/10/B1", gtinCode(goodGTIN, "", "B1", "")},
		{"plain data matrix with a path", "]d1/01/09521234543213/21/S1", "/01/09521234543213/21/S1", gtinCode(goodGTIN, "", "", "S1")},
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
			viaDL, err := types.ParseCode(tc.dl)
			if err != nil {
				t.Fatalf("ParseCode(%q): %v", tc.dl, err)
			}
			if viaDL != got {
				t.Fatalf("ParseCode(%q) = %+v, the Digital Link %q gives %+v", tc.in, got, tc.dl, viaDL)
			}
			// The chain reads no scanner forms: clients send Code.String.
			if _, err := types.ParseTxCode(tc.in); err == nil && !strings.HasPrefix(tc.in, "(") {
				t.Fatalf("ParseTxCode(%q) accepted a scanner form", tc.in)
			}
			if c, err := types.ParseTxCode(got.String()); err != nil || c != got {
				t.Fatalf("ParseTxCode(%q) = %+v, %v", got.String(), c, err)
			}
		})
	}
}

func TestParseCodeScannerRefuses(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		mention []string
	}{
		{"wrong check digit", "]d2" + "0109521234543214" + "10B1", []string{"check digit is 4, want 3"}},
		{"unknown AI", "]d2" + gtinAI + "99ABC", []string{"byte 20", `no AI starting "99"`}},
		{"unknown measure decimal", gtinAI + "3106001250" + "10B1", []string{`no AI starting "3106"`}},
		{"batch too long", "]d2" + gtinAI + "10" + strings.Repeat("B", 21), []string{"batch (AI 10)", "21 characters, at most 20", "GS (FNC1)"}},
		{"missing GS between batch and serial", gtinAI + "10LOT2026-07-21" + "21000000001", []string{"batch (AI 10)", "at most 20", "GS (FNC1) must end the value"}},
		{"gtin cut short", "]C1" + "01095212345", []string{"GTIN (AI 01) takes 14 characters after (01), only 9 are left"}},
		{"GS inside the GTIN", "010952123" + GS + "4543213" + "10B1", []string{"a GS (FNC1) comes after 7"}},
		{"two GS in a row", gtinAI + "10B1" + GS + GS + "21S1", []string{"follows no value"}},
		{"GS alone", GS, []string{"no AIs after the GS"}},
		{"symbology id alone", "]d2", []string{"no data after", "GS1 DataMatrix"}},
		{"short symbology id", "]d", []string{"three characters"}},
		{"unknown symbology id", "]X9" + gtinAI + "10B1", []string{`"]X9"`, "]C1, ]e0, ]d2, ]Q3 or ]J1"}},
		{"ean-13 carries only a GTIN", "]E0" + goodGTIN13, []string{"EAN-13/UPC", "product class"}},
		{"itf-14", "]I1" + goodGTIN, []string{"ITF-14", "product class"}},
		{"bare gtin scanned", "]d2" + gtinAI, []string{"product class"}},
		{"character outside set 82", "]d2" + gtinAI + "10B#1", []string{"batch (AI 10)", "('#') is not allowed"}},
		{"letter in the gtin", "01" + "0952123454321A" + "10B1", []string{"GTIN", "not a digit"}},
		{"month 13", gtinAI + "17261331" + "10B1", []string{"expiry date (AI 17)", "not a date YYMMDD"}},
		{"letter in a date", gtinAI + "1726123A" + "10B1", []string{"expiry date (AI 17)", "not all digits"}},
		{"wrong content gtin check digit", "00" + goodSSCC + "02" + "09521234543214", []string{"content GTIN (AI 02)", "check digit"}},
		{"AI twice", gtinAI + "10B1" + GS + "10B2", []string{"AI (10) appears twice"}},
		{"sscc and gtin", "00" + goodSSCC + gtinAI + "10B1", []string{"cannot be combined", "(01)"}},
		{"GS in a Digital Link URI", "https://id.example.com/01/09521234543213/10/B1" + GS, []string{"GS character", "only separates"}},
		{"parentheses after a GS1 symbology id", "]d2(01)09521234543213(10)B1", []string{"without parentheses"}},
		{"element string after ]Q1", "]Q1" + gtinAI + "10B1", []string{"]Q3 or ]d2"}},
		{"count too long", "00" + goodSSCC + "37" + "123456789", []string{"count of trade items (AI 37)", "at most 8"}},
		{"not an AI", "0" + GS + "10B1", []string{"not the start of an AI"}},
		{"line break after the scan", gtinAI + "10B1\r", []string{"white space"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := types.ParseCode(tc.in)
			if got != (types.Code{}) {
				t.Fatalf("ParseCode(%q) returned %+v with its error", tc.in, got)
			}
			wantInvalidCode(t, err, tc.mention...)
		})
	}
}

// TestParseCodeDigitalLinkRules: GS1 Digital Link's rules for the scheme and
// the query string, which ParseCode applies and rules v1 (ParseTxCode) did
// not.
func TestParseCodeDigitalLinkRules(t *testing.T) {
	const dl = "https://id.example.com/01/09521234543213/10/B1"
	accepts := []struct{ name, in string }{
		{"lower-case https", dl},
		{"upper-case HTTPS", "HTTPS://id.example.com/01/09521234543213/10/B1"},
		{"upper-case HTTP", "HTTP://id.example.com/01/09521234543213/10/B1"},
		{"data attributes", dl + "?17=261231&3103=001250"},
		{"non-AI parameters", dl + "?linkType=gs1:pip&context=x&flag"},
		{"empty parameters", dl + "?&&17=261231&"},
		{"AI unknown to the table is left alone", dl + "?7003=2612311200"},
		{"sscc with a batch attribute", "https://id.example.com/00/106141411234567897?10=B1&37=12"},
		{"fragment", dl + "#17=x&17=y"},
	}
	for _, tc := range accepts {
		t.Run("accept/"+tc.name, func(t *testing.T) {
			if _, err := types.ParseCode(tc.in); err != nil {
				t.Fatalf("ParseCode(%q): %v", tc.in, err)
			}
		})
	}
	refuses := []struct {
		name, in string
		mention  []string
	}{
		{"mixed-case scheme", "HtTp://id.example.com/01/09521234543213/10/B1", []string{`scheme "HtTp" mixes upper and lower case`}},
		{"capitalised https", "Https://id.example.com/01/09521234543213/10/B1", []string{"mixes upper and lower case", `"https" or "HTTPS"`}},
		{"key qualifier in the query", dl + "?21=S1", []string{"key qualifier serial (AI 21) belongs in the path"}},
		{"batch in path and query", dl + "?10=B2", []string{"batch (AI 10) belongs in the path"}},
		{"cpv in the query", dl + "?22=V1", []string{"CPV (AI 22) belongs in the path"}},
		{"native code with a qualifier in the query", "https://id.example.com/c/CT-91330100716105852F-1-N?10=B1", []string{"belongs in the path"}},
		{"gtin in the query", dl + "?01=09521234543213", []string{"primary key GTIN (AI 01) belongs in the path"}},
		{"sscc in the query", "https://id.example.com/00/106141411234567897?00=106141411234567897", []string{"primary key SSCC (AI 00)"}},
		{"repeated AI", dl + "?17=261231&17=261231", []string{"AI 17 appears twice"}},
		{"repeated unknown AI", dl + "?7003=2612311200&7003=2612311200", []string{"AI 7003 appears twice"}},
		{"AI without value", dl + "?17=", []string{"AI 17 in the query string has no value"}},
		{"numeric parameter too long for an AI", dl + "?12345=1", []string{"numeric but no AI"}},
		{"bad date attribute", dl + "?17=2612", []string{"expiry date (AI 17)", "want 6"}},
		{"bad sscc batch attribute", "https://id.example.com/00/106141411234567897?10=B%231", []string{"batch (AI 10)", "not allowed"}},
		{"bad percent-encoding", "https://id.example.com/00/106141411234567897?10=B%2", []string{"bad percent-encoding"}},
		{"query on a path", "/01/09521234543213/10/B1?10=B1", []string{"belongs in the path"}},
	}
	for _, tc := range refuses {
		t.Run("refuse/"+tc.name, func(t *testing.T) {
			_, err := types.ParseCode(tc.in)
			wantInvalidCode(t, err, tc.mention...)
			// Rules v1 read them, so the chain's history may hold them.
			if _, err := types.ParseTxCode(tc.in); err != nil {
				t.Fatalf("ParseTxCode(%q): %v; rules v1 accepted it", tc.in, err)
			}
		})
	}
}

// TestParseTxCodeIsRulesV1: forms that ParseCode reads and rules v1 refused
// stay refused in txs.
func TestParseTxCodeIsRulesV1(t *testing.T) {
	for _, tc := range []struct{ in, mention string }{
		{"010952123454321310B1", "AIs in parentheses"},
		{"(01)09521234543213(17)261231(10)B1", "AI (17) is not part of a code"},
		{"(21)S1(00)106141411234567897", "cannot be combined"},
		{"]d2" + gtinAI + "10B1", "not in a recognised form"},
		{gtinAI + "10B1" + GS + "21S1", "control character"},
	} {
		_, err := types.ParseTxCode(tc.in)
		wantInvalidCode(t, err, tc.mention)
		if _, err := types.ParseCode(tc.in); err != nil {
			t.Errorf("ParseCode(%q): %v", tc.in, err)
		}
	}
}

// TestDecodeTxCodeRules: a code GS1 Digital Link refuses is accepted under
// rules v1 and v2, as it was, and refused from v3 on; scanner forms are
// refused under every version.
func TestDecodeTxCodeRules(t *testing.T) {
	cases := []struct {
		name     string
		unit     string
		v1, v3   *types.Error
		mentions string
	}{
		{"canonical", "/00/" + goodSSCC, nil, nil, ""},
		{"upper-case scheme", "HTTPS://id.example.com/00/" + goodSSCC, nil, nil, ""},
		{"mixed-case scheme", "HtTp://id.example.com/00/" + goodSSCC, nil, types.ErrInvalidCode, "unit: Digital Link URI"},
		{"repeated AI in the query", "https://id.example.com/00/" + goodSSCC + "?37=1&37=1", nil, types.ErrInvalidCode, "appears twice"},
		{"primary key in the query", "https://id.example.com/00/" + goodSSCC + "?00=" + goodSSCC, nil, types.ErrInvalidCode, "primary key"},
		{"scanner form", "]C100" + goodSSCC, types.ErrInvalidCode, types.ErrInvalidCode, ""},
		{"element string with GS", "00" + goodSSCC + GS, types.ErrInvalidCode, types.ErrInvalidCode, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := signedRaw(t, marshal(t, body(types.WrapMsg(&types.MsgDisaggregate{Unit: tc.unit}))))
			for _, r := range []struct {
				rules uint32
				want  *types.Error
			}{{types.RulesV1, tc.v1}, {types.RulesV2, tc.v1}, {types.RulesV3, tc.v3}} {
				lim := testLimits
				lim.Rules = r.rules
				_, err := types.DecodeTx(raw, lim, true)
				wantCode(t, err, r.want)
				if r.rules == types.RulesV3 && tc.mentions != "" && !strings.Contains(err.Error(), tc.mentions) {
					t.Fatalf("rules v%d: error %q does not mention %q", r.rules, err, tc.mentions)
				}
			}
		})
	}
	// Codes nested in lists of messages are checked too.
	m := &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{
		{Code: "/01/09521234543213/10/B1", Quantity: 1},
		{Code: "HtTp://h/01/09521234543213/10/B2", Quantity: 1},
	}}
	raw := signedRaw(t, marshal(t, body(types.WrapMsg(m))))
	lim := testLimits
	for _, v := range []uint32{types.RulesV1, types.RulesV2} {
		lim.Rules = v
		if _, err := types.DecodeTx(raw, lim, true); err != nil {
			t.Fatalf("rules v%d: %v", v, err)
		}
	}
	lim.Rules = types.RulesV3
	_, err := types.DecodeTx(raw, lim, true)
	wantInvalidCode(t, err, "items.code", "mixes upper and lower case")
}

// TestCodeFieldNames: the string fields of messages that hold codes, found
// by the names checkCodes reads, are exactly those ValidateBasic parses as
// codes. A new field that holds codes needs one of these names.
func TestCodeFieldNames(t *testing.T) {
	want := map[protoreflect.FullName]bool{
		"coldtrace.v1.NewCode.code":            true,
		"coldtrace.v1.CodeQuantity.code":       true,
		"coldtrace.v1.MsgSplit.parent":         true,
		"coldtrace.v1.MsgAggregate.unit":       true,
		"coldtrace.v1.MsgDisaggregate.unit":    true,
		"coldtrace.v1.MsgSensorReport.codes":   true,
		"coldtrace.v1.MsgWarehouseEntry.codes": true,
		"coldtrace.v1.MsgRelease.codes":        true,
		"coldtrace.v1.MsgRecordTest.codes":     true,
		"coldtrace.v1.MsgHold.codes":           true,
		"coldtrace.v1.MsgUnhold.codes":         true,
		"coldtrace.v1.MsgDestroy.code":         true,
	}
	names := map[protoreflect.Name]bool{"code": true, "codes": true, "unit": true, "units": true, "parent": true}
	got := map[protoreflect.FullName]bool{}
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		fs := md.Fields()
		for i := 0; i < fs.Len(); i++ {
			f := fs.Get(i)
			if f.Kind() == protoreflect.StringKind && names[f.Name()] {
				got[f.FullName()] = true
			}
			if f.Message() != nil {
				walk(f.Message())
			}
		}
	}
	walk((&types.Msg{}).ProtoReflect().Descriptor())
	for f := range want {
		if !got[f] {
			t.Errorf("%s holds codes but checkCodes does not read it", f)
		}
	}
	for f := range got {
		if !want[f] {
			t.Errorf("%s is named as a code field: check it holds codes and add it here, or rename it", f)
		}
	}
}

// TestCanonicalCodes: a client turns codes as typed or scanned into their
// canonical form before signing, in every code field, nested ones too.
func TestCanonicalCodes(t *testing.T) {
	split := &types.MsgSplit{
		Parent: "]d2" + gtinAI + "10B1" + GS + "21S1",
		Children: []*types.NewCode{
			{Code: "(01)09521234543213(10)B1(21)S2", Quantity: 1},
			{Code: "", Quantity: 2}, // the chain issues a native code
			{Code: "HTTPS://id.example.com/01/09521234543213/10/B1/21/S3?17=261231", Quantity: 3},
		},
	}
	if err := types.CanonicalCodes(split); err != nil {
		t.Fatalf("CanonicalCodes: %v", err)
	}
	want := []string{"/01/09521234543213/10/B1/21/S1", "/01/09521234543213/10/B1/21/S2", "", "/01/09521234543213/10/B1/21/S3"}
	got := []string{split.Parent}
	for _, c := range split.Children {
		got = append(got, c.Code)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("codes %q, want %q", got, want)
	}
	if split.Children[2].Quantity != 3 {
		t.Fatal("a quantity changed")
	}
	// The canonical codes pass the tx checks of rules v2.
	raw := signedRaw(t, marshal(t, body(types.WrapMsg(split))))
	lim := testLimits
	lim.Rules = types.RulesV2
	if _, err := types.DecodeTx(raw, lim, true); err != nil {
		t.Fatalf("DecodeTx of the canonical codes: %v", err)
	}

	hold := &types.MsgHold{Codes: []string{"/00/" + goodSSCC, "]C1" + gtinAI + "10B1" + GS + "21X#"}, Reason: "r"}
	err := types.CanonicalCodes(hold)
	wantInvalidCode(t, err, "codes[1]", "('#') is not allowed")
	if hold.Codes[0] != "/00/"+goodSSCC {
		t.Fatalf("codes[0] = %q", hold.Codes[0])
	}

	c, err := types.CanonicalCodeInput("code", GS+gtinAI+"21S1")
	if err != nil || c != "/01/09521234543213/21/S1" {
		t.Fatalf("CanonicalCodeInput = %q, %v", c, err)
	}
	_, err = types.CanonicalCodeInput("code", "HtTp://h/01/09521234543213/21/S1")
	wantInvalidCode(t, err, "code: Digital Link URI")
}

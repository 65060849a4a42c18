package types_test

import (
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// Published codes, verified by hand. Values: 0-9 are 0-9, then
// A10 B11 C12 D13 E14 F15 G16 H17 J18 K19 L20 M21 N22 P23 Q24 R25 T26 U27 W28 X29 Y30.
// Weights 3^i mod 31: 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28.
//
// 914403001922038216 (Huawei Technologies Co., Ltd., Shenzhen):
//
//	9 + 3 + 36 + 108 + 0 + 78 + 0 + 0 + 20 + 261 + 50 + 26 + 0 + 72 + 80 + 60 + 28 = 831
//	831 = 26*31 + 25, check = 31 - 25 = 6 -> '6'
//
// 91440300708461136T (Shenzhen Tencent Computer Systems Co., Ltd.):
//
//	9 + 3 + 36 + 108 + 0 + 78 + 0 + 0 + 140 + 0 + 200 + 52 + 48 + 24 + 10 + 90 + 168 = 966
//	966 = 31*31 + 5, check = 31 - 5 = 26 -> 'T'
//
// 91330100716105852F (Alibaba (China) Co., Ltd., Hangzhou):
//
//	9 + 3 + 27 + 81 + 0 + 26 + 0 + 0 + 140 + 29 + 150 + 13 + 0 + 120 + 80 + 150 + 56 = 884
//	884 = 28*31 + 16, check = 31 - 16 = 15 -> 'F'
var publishedUSCCs = []struct{ name, code string }{
	{"huawei", "914403001922038216"},
	{"tencent", "91440300708461136T"},
	{"alibaba", "91330100716105852F"},
}

func TestUSCCCheckChar(t *testing.T) {
	cases := []struct {
		name string
		body string
		want byte
	}{
		// Hand-computed above.
		{"published huawei", "91440300192203821", '6'},
		{"published tencent", "91440300708461136", 'T'},
		{"published alibaba", "91330100716105852", 'F'},
		// sum 0 -> check (31-0)%31 = 0, not 31.
		{"all zeros gives 0", "00000000000000000", '0'},
		// 30 * (sum of weights 305) = 9150 = 295*31 + 5 -> 26 -> 'T'.
		{"all Y gives T", "YYYYYYYYYYYYYYYYY", 'T'},
		// Bodies whose sum is 0 mod 31 and 1 mod 31: both ends of the alphabet.
		{"sum 0 mod 31 gives 0", "91330106MA2000015", '0'},
		{"sum 1 mod 31 gives Y", "91330106MA2000005", 'Y'},
		{"letters in body", "91330106MA27XL0P1", refCheckChar("91330106MA27XL0P1")},
		{"letters in body 2", "91310000MA1FL5M83", 'K'},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if ref := refCheckChar(tc.body); ref != tc.want {
				t.Fatalf("reference implementation gives %q, table says %q", ref, tc.want)
			}
			got, err := types.USCCCheckChar(tc.body)
			if err != nil {
				t.Fatalf("USCCCheckChar(%q): %v", tc.body, err)
			}
			if got != tc.want {
				t.Fatalf("USCCCheckChar(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

// TestUSCCCheckCharEveryPosition changes each position of a body to every
// alphabet character and compares with the reference: a wrong weight at any
// position or a wrong value of any character shows up here.
func TestUSCCCheckCharEveryPosition(t *testing.T) {
	base := []byte("91330106MA27XL0P1")
	for pos := 0; pos < 17; pos++ {
		for i := 0; i < len(refAlphabet); i++ {
			body := append([]byte(nil), base...)
			body[pos] = refAlphabet[i]
			got, err := types.USCCCheckChar(string(body))
			if err != nil {
				t.Fatalf("USCCCheckChar(%q): %v", body, err)
			}
			if want := refCheckChar(string(body)); got != want {
				t.Fatalf("USCCCheckChar(%q) = %q, want %q", body, got, want)
			}
		}
	}
}

func TestUSCCCheckCharRefuses(t *testing.T) {
	cases := []struct {
		name string
		body string
	}{
		{"empty", ""},
		{"16 chars", "9133010671610585"},
		{"18 chars", "91330100716105852F"},
		{"lower case", "91330106ma27xl0p1"},
		{"letter I", "91330106MI27XL0P1"},
		{"letter O", "91330106MO27XL0P1"},
		{"letter Z", "91330106MZ27XL0P1"},
		{"letter S", "91330106MS27XL0P1"},
		{"letter V", "91330106MV27XL0P1"},
		{"space", "91330106 A27XL0P1"},
		{"non-ascii", "9133010é6MA27XL0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := types.USCCCheckChar(tc.body)
			wantCode(t, err, types.ErrInvalidUSCC)
		})
	}
}

func TestValidateUSCC(t *testing.T) {
	valid := []struct{ name, code string }{
		{"synthetic with letters", uscc("91330106MA27XL0P1")},
		{"check char 0", uscc("91330106MA2000015")},
		{"check char Y", uscc("91330106MA2000005")},
		{"check char letter", "91310000MA1FL5M83K"},
	}
	for _, p := range publishedUSCCs {
		valid = append(valid, struct{ name, code string }{"published " + p.name, p.code})
	}
	for _, tc := range valid {
		t.Run("valid/"+tc.name, func(t *testing.T) {
			if err := types.ValidateUSCC(tc.code); err != nil {
				t.Fatalf("ValidateUSCC(%q): %v", tc.code, err)
			}
		})
	}

	good := uscc("91330106MA27XL0P1")
	invalid := []struct{ name, code string }{
		{"empty", ""},
		{"17 chars", good[:17]},
		{"19 chars", good + "0"},
		{"leading space", " " + good[:17]},
		{"lower case body", strings.ToLower(good[:17]) + good[17:]},
		{"lower case published", strings.ToLower("91330100716105852F")},
		{"letter I in body", "91330106MI27XL0P1" + "0"},
		{"letter O in body", "9133O106MA27XL0P1" + "0"},
		{"letter Z in body", "91330106MA27XLZP1" + "0"},
		{"letter S in body", "S1330106MA27XL0P1" + "0"},
		{"letter V in body", "91330106MA27XL0PV" + "0"},
		{"letter I as check", good[:17] + "I"},
		{"letter O as check", good[:17] + "O"},
		{"letter Z as check", good[:17] + "Z"},
		{"letter S as check", good[:17] + "S"},
		{"letter V as check", good[:17] + "V"},
		{"lower case check", "91310000MA1FL5M83k"},
		{"two digits swapped", "914403001922038126"},
		{"published with one digit changed", "914403001922038217"},
		{"full-width digit, 18 bytes", "９144030019220382"},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.name, func(t *testing.T) {
			wantCode(t, types.ValidateUSCC(tc.code), types.ErrInvalidUSCC)
		})
	}
}

// TestValidateUSCCEveryWrongCheckChar tries every other alphabet character as
// the check character of one body: exactly one of the 31 passes.
func TestValidateUSCCEveryWrongCheckChar(t *testing.T) {
	body := "91330106MA27XL0P1"
	right := refCheckChar(body)
	for i := 0; i < len(refAlphabet); i++ {
		c := refAlphabet[i]
		code := body + string(c)
		t.Run(code, func(t *testing.T) {
			err := types.ValidateUSCC(code)
			if c == right {
				if err != nil {
					t.Fatalf("ValidateUSCC(%q): %v", code, err)
				}
				return
			}
			wantCode(t, err, types.ErrInvalidUSCC)
			if !strings.Contains(err.Error(), "check character") {
				t.Fatalf("error %q does not name the check character", err)
			}
		})
	}
}

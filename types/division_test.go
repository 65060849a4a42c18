package types_test

import (
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

func TestParseDivision(t *testing.T) {
	valid := []struct {
		name   string
		code   string
		level  int
		prefix string
	}{
		{"province zhejiang", "330000", 1, "33"},
		{"city hangzhou", "330100", 2, "3301"},
		{"district xihu", "330106", 3, "330106"},
		{"district dongcheng beijing", "110101", 3, "110101"},
		{"province beijing", "110000", 1, "11"},
		{"city shenzhen", "440300", 2, "4403"},
		{"taiwan", "710000", 1, "71"},
		{"macao", "820000", 1, "82"},
	}
	for _, tc := range valid {
		t.Run("valid/"+tc.name, func(t *testing.T) {
			d, err := types.ParseDivision(tc.code)
			if err != nil {
				t.Fatalf("ParseDivision(%q): %v", tc.code, err)
			}
			if d.String() != tc.code {
				t.Fatalf("String() = %q, want %q", d.String(), tc.code)
			}
			if got := d.Level(); got != tc.level {
				t.Fatalf("Level() = %d, want %d", got, tc.level)
			}
			if got := d.Prefix(); got != tc.prefix {
				t.Fatalf("Prefix() = %q, want %q", got, tc.prefix)
			}
			if err := types.ValidDivisionPrefix(d.Prefix()); err != nil {
				t.Fatalf("ValidDivisionPrefix(%q): %v", d.Prefix(), err)
			}
		})
	}

	invalid := []struct{ name, code string }{
		{"empty", ""},
		{"5 chars", "33010"},
		{"7 chars", "3301060"},
		{"letters", "33AB06"},
		{"letter at end", "33010x"},
		{"sign", "-33010"},
		{"spaces", " 33010"},
		{"full-width digits", "３３０１０６"},
		{"unknown province 99", "990000"},
		{"unknown province 99 district", "990101"},
		{"unknown province 00", "000000"},
		{"unknown province 10", "100000"},
		{"district without city", "330006"},
		{"district without city beijing", "110001"},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.name, func(t *testing.T) {
			d, err := types.ParseDivision(tc.code)
			wantCode(t, err, types.ErrInvalidDivision)
			if d != "" {
				t.Fatalf("ParseDivision(%q) returned %q with an error", tc.code, d)
			}
		})
	}
}

func TestMustDivisionPanics(t *testing.T) {
	if got := types.MustDivision("330106"); got != "330106" {
		t.Fatalf("MustDivision(330106) = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("MustDivision(330006) did not panic")
		}
	}()
	types.MustDivision("330006")
}

func TestDivisionContains(t *testing.T) {
	cases := []struct {
		name     string
		d, other string
		contains bool
		strictly bool
	}{
		{"province contains its city", "330000", "330100", true, true},
		{"province contains its district", "330000", "330106", true, true},
		{"city contains its district", "330100", "330106", true, true},
		{"province contains itself", "330000", "330000", true, false},
		{"city contains itself", "330100", "330100", true, false},
		{"district contains itself", "330106", "330106", true, false},
		{"city does not contain another city", "330100", "330200", false, false},
		{"city does not contain another city's district", "330100", "330206", false, false},
		{"city does not contain its province", "330100", "330000", false, false},
		{"district does not contain its city", "330106", "330100", false, false},
		{"district does not contain a sibling", "330106", "330108", false, false},
		{"province does not contain another province", "330000", "320000", false, false},
		{"province does not contain another province's city", "330000", "320100", false, false},
		{"same city digits other province", "330100", "340100", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := types.MustDivision(tc.d)
			other := types.MustDivision(tc.other)
			if got := d.Contains(other); got != tc.contains {
				t.Fatalf("%s.Contains(%s) = %v, want %v", d, other, got, tc.contains)
			}
			if got := d.StrictlyContains(other); got != tc.strictly {
				t.Fatalf("%s.StrictlyContains(%s) = %v, want %v", d, other, got, tc.strictly)
			}
		})
	}
}

func TestDivisionContainsMalformedOther(t *testing.T) {
	d := types.MustDivision("330000")
	for _, other := range []types.Division{"", "33", "3301", "3301060"} {
		if d.Contains(other) {
			t.Fatalf("%s.Contains(%q) = true for a code that is not 6 characters", d, other)
		}
	}
}

func TestValidDivisionPrefix(t *testing.T) {
	cases := []struct {
		name   string
		prefix string
		ok     bool
	}{
		{"province prefix", "33", true},
		{"city prefix", "3301", true},
		{"district prefix", "330106", true},
		{"empty", "", false},
		{"1 digit", "3", false},
		{"3 digits", "330", false},
		{"5 digits", "33010", false},
		{"7 digits", "3301060", false},
		{"letter", "3A", false},
		{"letter in city", "33O1", false},
		{"letter in district", "33010x", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := types.ValidDivisionPrefix(tc.prefix)
			if tc.ok {
				wantCode(t, err, nil)
			} else {
				wantCode(t, err, types.ErrInvalidDivision)
			}
		})
	}
}

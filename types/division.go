package types

import "fmt"

// Division is a GB/T 2260 administrative division code: six digits,
// province XX0000, city XXYY00, district XXYYZZ.
type Division string

// provinces lists the valid first two digits of a GB/T 2260 code.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// ParseDivision checks s and returns it as a Division.
func ParseDivision(s string) (Division, error) {
	if len(s) != 6 {
		return "", ErrInvalidDivision.Wrapf("%q has %d characters, want 6 digits", s, len(s))
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrInvalidDivision.Wrapf("%q: character %d is not a digit", s, i+1)
		}
	}
	if !provinces[s[:2]] {
		return "", ErrInvalidDivision.Wrapf("%q: %s is not a province code", s, s[:2])
	}
	if s[2:4] == "00" && s[4:] != "00" {
		return "", ErrInvalidDivision.Wrapf("%q: a district code needs a city (digits 3-4 are 00)", s)
	}
	return Division(s), nil
}

// Level is 1 for a province, 2 for a city and 3 for a district.
func (d Division) Level() int {
	switch {
	case d[2:] == "0000":
		return 1
	case d[4:] == "00":
		return 2
	default:
		return 3
	}
}

// Prefix is the jurisdiction the division stands for: "33", "3301" or "330106".
func (d Division) Prefix() string { return string(d)[:2*d.Level()] }

// Contains reports whether other lies inside d's jurisdiction (d contains itself).
func (d Division) Contains(other Division) bool {
	p := d.Prefix()
	return len(other) == 6 && string(other)[:len(p)] == p
}

// StrictlyContains reports whether other lies inside d's jurisdiction at a lower level.
func (d Division) StrictlyContains(other Division) bool {
	return d.Contains(other) && other.Level() > d.Level()
}

func (d Division) String() string { return string(d) }

// ValidDivisionPrefix checks a jurisdiction prefix used in queries: 2, 4 or 6 digits.
func ValidDivisionPrefix(p string) error {
	if len(p) != 2 && len(p) != 4 && len(p) != 6 {
		return ErrInvalidDivision.Wrapf("prefix %q must have 2, 4 or 6 digits", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return ErrInvalidDivision.Wrapf("prefix %q: character %d is not a digit", p, i+1)
		}
	}
	return nil
}

// MustDivision is ParseDivision for constants; it panics on a bad code.
func MustDivision(s string) Division {
	d, err := ParseDivision(s)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return d
}

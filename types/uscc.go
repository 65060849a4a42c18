package types

import "strings"

// usccAlphabet is the GB 32100-2015 character set: digits and the capital
// letters without I, O, Z, S and V, valued 0..30 in this order.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31 for positions 1..17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar computes the check character of the first 17 characters of a
// unified social credit code.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, ErrInvalidUSCC.Wrapf("need 17 characters to compute a check character, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, ErrInvalidUSCC.Wrapf("character %d (%q) is not in the GB 32100 alphabet", i+1, first17[i])
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}

// ValidateUSCC checks length, alphabet and check character of an 18-character
// unified social credit code (upper case, as printed on a business licence).
func ValidateUSCC(s string) error {
	if len(s) != 18 {
		return ErrInvalidUSCC.Wrapf("%q has %d characters, want 18", s, len(s))
	}
	want, err := USCCCheckChar(s[:17])
	if err != nil {
		return ErrInvalidUSCC.Wrapf("%q: %v", s, err)
	}
	if strings.IndexByte(usccAlphabet, s[17]) < 0 {
		return ErrInvalidUSCC.Wrapf("%q: check character %q is not in the GB 32100 alphabet", s, s[17])
	}
	if s[17] != want {
		return ErrInvalidUSCC.Wrapf("%q: check character is %q, want %q (mistyped character?)", s, s[17], want)
	}
	return nil
}

package export

import (
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// TestGLNIdentifiers: an enterprise that registered a GLN is named by it —
// its party as /417/, its premises as /414/ — and one without by URIs under
// the base; a capture may name its own enterprise's GLN.
func TestGLNIdentifiers(t *testing.T) {
	const withGLN, without = "91330106MA2CFX8Q1D", "91330100MA2B5HKW1J"
	x := &index{base: "https://trace.example.cn", enterprises: map[string]*types.Enterprise{
		withGLN: {Uscc: withGLN, Profile: &types.Profile{Gln: "9521234000006"}},
		without: {Uscc: without},
	}}
	for _, tc := range []struct{ got, want string }{
		{x.party(withGLN), "https://id.gs1.org/417/9521234000006"},
		{x.location(withGLN), "https://id.gs1.org/414/9521234000006"},
		{x.party(without), "https://trace.example.cn/party/" + without},
		{x.location(without), "https://trace.example.cn/location/" + without},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
	c := &Capturer{Enterprise: withGLN, GLN: "9521234000006"}
	if u, err := c.party("f", "https://id.gs1.org/417/9521234000006"); err != nil || u != withGLN {
		t.Fatalf("own GLN as party: %q %v", u, err)
	}
	if _, err := c.party("f", "https://id.gs1.org/417/9521234000013"); err == nil {
		t.Fatal("another GLN accepted as a party")
	}
}

func TestProfileGLNValidated(t *testing.T) {
	for gln, ok := range map[string]bool{"9521234000006": true, "9521234000007": false, "952123400000": false, "": true} {
		m := &types.MsgRegisterEnterprise{Uscc: "91330106MA2CFX8Q1D", Name: "x", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER,
			Division: "330106", Keys: [][]byte{make([]byte, 32)}, Profile: &types.Profile{Gln: gln}}
		if err := m.ValidateBasic(); (err == nil) != ok {
			t.Errorf("gln %q: %v", gln, err)
		}
	}
}

package state

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// TestPrefixRegistry: register refuses 0x00, a byte used twice and bytes
// out of order; no prefix byte in state is defined except by register.
func TestPrefixRegistry(t *testing.T) {
	saved := Prefixes
	defer func() { Prefixes = saved }()
	for _, b := range []byte{0x00, 0x01, Prefixes[len(Prefixes)-1].Byte} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("register(%#02x) did not panic", b)
				}
			}()
			register(b, "again", "", "")
		}()
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`(?m)^\s*prefix\w*\s+(byte\s*)?=\s*0x`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := literal.Find(b); loc != nil {
			t.Errorf("%s defines a prefix without register: %q", f, loc)
		}
	}
}

// keyTable is docs/ARCHITECTURE.md's key table as the registry gives it.
func keyTable() string {
	var b strings.Builder
	b.WriteString("| prefix | name | key | value |\n| --- | --- | --- | --- |\n")
	for _, p := range Prefixes {
		k := fmt.Sprintf("`0x%02X`", p.Byte)
		if p.Rest != "" {
			k = fmt.Sprintf("`0x%02X ‖ %s`", p.Byte, p.Rest)
		}
		fmt.Fprintf(&b, "| `0x%02X` | %s | %s | %s |\n", p.Byte, p.Name, k, p.Value)
	}
	return b.String()
}

// TestKeyTableDocumented: docs/ARCHITECTURE.md lists every registered prefix, as registered.
func TestKeyTableDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := keyTable(); !strings.Contains(string(doc), want) {
		t.Fatalf("docs/ARCHITECTURE.md's key table differs from the registry (state/keys.go); it should read:\n\n%s", want)
	}
}

func TestKeyConstructors(t *testing.T) {
	uscc := testUSCC(t, "91330100MA2AAAAA0")
	pub := testPub(7)
	tests := []struct {
		name   string
		key    []byte
		prefix byte
		want   []byte // the full expected key
	}{
		{"params", ParamsKey(), prefixParams, []byte{prefixParams}},
		{"chain id", ChainIDKey(), prefixChainID, []byte{prefixChainID}},
		{"regulator", RegulatorKey("330100"), prefixRegulator, append([]byte{prefixRegulator}, "330100"...)},
		{"enterprise", EnterpriseKey(uscc), prefixEnterprise, append([]byte{prefixEnterprise}, uscc...)},
		{"account", AccountKey(pub), prefixAccount, append([]byte{prefixAccount}, pub...)},
		{"enterprise by division", EnterpriseByDivisionKey("330100", uscc), prefixEnterpriseByDiv,
			append(append([]byte{prefixEnterpriseByDiv}, "330100"...), uscc...)},
		{"enterprise by division prefix", EnterpriseByDivisionPrefix("33"), prefixEnterpriseByDiv,
			append([]byte{prefixEnterpriseByDiv}, "33"...)},
		{"key by owner", KeyByOwnerKey(types.OwnerKind_OWNER_KIND_ENTERPRISE, uscc, pub), prefixKeyByOwner,
			append(append([]byte{prefixKeyByOwner, byte(types.OwnerKind_OWNER_KIND_ENTERPRISE)}, uscc...), pub...)},
		{"key by owner prefix", KeyByOwnerPrefix(types.OwnerKind_OWNER_KIND_REGULATOR, "330100"), prefixKeyByOwner,
			append([]byte{prefixKeyByOwner, byte(types.OwnerKind_OWNER_KIND_REGULATOR)}, "330100"...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.key) == 0 || tc.key[0] != tc.prefix {
				t.Fatalf("key %x does not start with prefix %#02x", tc.key, tc.prefix)
			}
			if !bytes.Equal(tc.key, tc.want) {
				t.Fatalf("key = %x, want %x", tc.key, tc.want)
			}
		})
	}

	t.Run("index entries lie under their prefixes", func(t *testing.T) {
		for _, c := range []struct {
			name        string
			key, prefix []byte
		}{
			{"division 330100 under 33", EnterpriseByDivisionKey("330100", uscc), EnterpriseByDivisionPrefix("33")},
			{"division 330100 under 330100", EnterpriseByDivisionKey("330100", uscc), EnterpriseByDivisionPrefix("330100")},
			{"owner key under owner prefix", KeyByOwnerKey(types.OwnerKind_OWNER_KIND_ENTERPRISE, uscc, pub),
				KeyByOwnerPrefix(types.OwnerKind_OWNER_KIND_ENTERPRISE, uscc)},
		} {
			if !bytes.HasPrefix(c.key, c.prefix) {
				t.Errorf("%s: %x does not start with %x", c.name, c.key, c.prefix)
			}
			if end := PrefixEnd(c.prefix); bytes.Compare(c.key, end) >= 0 {
				t.Errorf("%s: %x is not below PrefixEnd %x", c.name, c.key, end)
			}
		}
		if bytes.HasPrefix(EnterpriseByDivisionKey("340100", uscc), EnterpriseByDivisionPrefix("33")) {
			t.Error("division 340100 lies under prefix 33")
		}
	})
}

// A regulator's id (a division) can be the first six characters of an
// enterprise's USCC; the owner kind byte must keep their key sets apart.
func TestKeyByOwnerRegulatorVsEnterprise(t *testing.T) {
	reg := "330100"
	ent := testUSCC(t, "33010012345678901") // starts with the regulator's division
	if ent[:6] != reg {
		t.Fatalf("test USCC %q does not start with %q", ent, reg)
	}
	pub := testPub(1)
	regPrefix := KeyByOwnerPrefix(types.OwnerKind_OWNER_KIND_REGULATOR, reg)
	entPrefix := KeyByOwnerPrefix(types.OwnerKind_OWNER_KIND_ENTERPRISE, ent)
	regKey := KeyByOwnerKey(types.OwnerKind_OWNER_KIND_REGULATOR, reg, pub)
	entKey := KeyByOwnerKey(types.OwnerKind_OWNER_KIND_ENTERPRISE, ent, pub)

	tests := []struct {
		name        string
		key, prefix []byte
	}{
		{"enterprise key under regulator prefix", entKey, regPrefix},
		{"regulator key under enterprise prefix", regKey, entPrefix},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.HasPrefix(tc.key, tc.prefix) {
				t.Fatalf("%x starts with %x", tc.key, tc.prefix)
			}
			if bytes.Compare(tc.key, tc.prefix) >= 0 && bytes.Compare(tc.key, PrefixEnd(tc.prefix)) < 0 {
				t.Fatalf("%x falls in the iteration range of %x", tc.key, tc.prefix)
			}
		})
	}
	if bytes.Equal(regKey, entKey) {
		t.Fatal("regulator and enterprise index keys are equal")
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"single byte", []byte{0x05}, []byte{0x06}},
		{"normal", []byte{0x05, 'a', 'b'}, []byte{0x05, 'a', 'c'}},
		{"0xfe becomes 0xff", []byte{0x01, 0xfe}, []byte{0x01, 0xff}},
		{"one trailing 0xff", []byte{0x01, 0xff}, []byte{0x02}},
		{"several trailing 0xff", []byte{0x01, 0x02, 0xff, 0xff, 0xff}, []byte{0x01, 0x03}},
		{"0xff in the middle", []byte{0xff, 0x01}, []byte{0xff, 0x02}},
		{"all 0xff", []byte{0xff, 0xff}, nil},
		{"single 0xff", []byte{0xff}, nil},
		{"empty", []byte{}, nil},
		{"nil", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]byte(nil), tc.in...)
			got := PrefixEnd(in)
			if !bytes.Equal(got, tc.want) || (tc.want == nil) != (got == nil) {
				t.Fatalf("PrefixEnd(%x) = %x (nil %v), want %x (nil %v)", tc.in, got, got == nil, tc.want, tc.want == nil)
			}
			if !bytes.Equal(in, tc.in) {
				t.Fatalf("PrefixEnd modified its argument: %x, was %x", in, tc.in)
			}
			if got != nil {
				// Every key with the prefix sorts below the end; the end itself does not have the prefix.
				for _, suffix := range [][]byte{nil, {0x00}, {0xff, 0xff, 0xff}} {
					k := append(append([]byte(nil), tc.in...), suffix...)
					if bytes.Compare(k, got) >= 0 {
						t.Errorf("%x (prefix+%x) is not below end %x", k, suffix, got)
					}
				}
				if bytes.HasPrefix(got, tc.in) {
					t.Errorf("end %x still has prefix %x", got, tc.in)
				}
			}
		})
	}
}

package state

import (
	"bytes"
	"fmt"
	"testing"
)

// provingSnapshot saves keys k00, k02, ..., k18 (even numbers) with values
// v00, ... as version 1 and returns its snapshot.
func provingSnapshot(t *testing.T) *Snapshot {
	t.Helper()
	tr := OpenMemory(Options{})
	t.Cleanup(func() { _ = tr.Close() })
	for i := 0; i < 20; i += 2 {
		mustSet(t, tr, fmt.Sprintf("k%02d", i), fmt.Sprintf("v%02d", i))
	}
	mustSave(t, tr)
	// A later version must not affect proofs of version 1.
	mustSet(t, tr, "k00", "changed")
	mustSet(t, tr, "k01", "added")
	mustSave(t, tr)
	s, err := tr.Immutable(1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProveMembership(t *testing.T) {
	s := provingSnapshot(t)
	root := s.Hash()
	for _, key := range []string{"k00", "k08", "k18"} {
		t.Run(key, func(t *testing.T) {
			value, proof, err := s.Prove([]byte(key))
			if err != nil {
				t.Fatal(err)
			}
			wantValue := "v" + key[1:]
			if string(value) != wantValue {
				t.Fatalf("Prove value = %q, want %q", value, wantValue)
			}
			if proof.GetExist() == nil {
				t.Fatalf("proof of a present key is not a membership proof: %T", proof.Proof)
			}
			tests := []struct {
				name       string
				root       []byte
				key, value []byte
				want       bool
			}{
				{"genuine", root, []byte(key), value, true},
				{"modified value", root, []byte(key), []byte(wantValue + "x"), false},
				{"empty value", root, []byte(key), []byte{}, false},
				{"other present key", root, []byte("k10"), value, false},
				{"absent key", root, []byte(key + "x"), value, false},
				{"as non-membership", root, []byte(key), nil, false},
				{"wrong root", append([]byte{root[0] ^ 1}, root[1:]...), []byte(key), value, false},
			}
			for _, tc := range tests {
				if got := VerifyProof(tc.root, proof, tc.key, tc.value); got != tc.want {
					t.Errorf("%s: VerifyProof(%q, %q) = %v, want %v", tc.name, tc.key, tc.value, got, tc.want)
				}
			}
		})
	}
}

func TestProveNonMembership(t *testing.T) {
	s := provingSnapshot(t)
	root := s.Hash()
	tests := []struct {
		name string
		key  string
	}{
		{"before every key", "a"},
		{"just before the first key", "k0"},
		{"between keys", "k05"},
		{"key added in a later version", "k01"},
		{"prefix extension of a present key", "k04x"},
		{"after every key", "z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			value, proof, err := s.Prove([]byte(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			if value != nil {
				t.Fatalf("Prove(%q) value = %q, want nil", tc.key, value)
			}
			if proof.GetNonexist() == nil {
				t.Fatalf("proof of an absent key is not a non-membership proof: %T", proof.Proof)
			}
			if !VerifyProof(root, proof, []byte(tc.key), nil) {
				t.Fatal("non-membership proof does not verify")
			}
			if VerifyProof(root, proof, []byte(tc.key), []byte("v")) {
				t.Error("non-membership proof verifies as membership")
			}
			if VerifyProof(root, proof, []byte("k06"), nil) {
				t.Error("non-membership proof of another key claims that present key k06 is absent")
			}
			bad := append([]byte{root[0] ^ 1}, root[1:]...)
			if VerifyProof(bad, proof, []byte(tc.key), nil) {
				t.Error("non-membership proof verifies against a wrong root")
			}
		})
	}
}

// A proof from one version does not verify against another version's root.
func TestProofBoundToVersion(t *testing.T) {
	tr := OpenMemory(Options{})
	defer tr.Close()
	mustSet(t, tr, "k", "1")
	mustSet(t, tr, "other", "x")
	mustSave(t, tr)
	mustSet(t, tr, "other", "y")
	mustSave(t, tr)
	s1, err := tr.Immutable(1)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := tr.Immutable(2)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(s1.Hash(), s2.Hash()) {
		t.Fatal("versions 1 and 2 have the same hash")
	}
	v, proof, err := s1.Prove([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyProof(s1.Hash(), proof, []byte("k"), v) {
		t.Fatal("proof does not verify against its own version")
	}
	if VerifyProof(s2.Hash(), proof, []byte("k"), v) {
		t.Fatal("proof of version 1 verifies against version 2's root")
	}
}

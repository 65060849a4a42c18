package export

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/coldtrace/coldtrace/state"
)

// TestEventHash: EventHash is the hash the chain stores an event under, so
// a client can fill History.EventHashes from a /trace/history answer.
func TestEventHash(t *testing.T) {
	f := newFixture(t)
	st := state.New(state.OpenMemory(state.Options{}))
	for i, ev := range f.events {
		b, h, err := st.PutEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h, f.hashes[i]) {
			t.Fatalf("event %d: stored under %x, EventHash says %x", i, h, f.hashes[i])
		}
		if sum := sha256.Sum256(b); !bytes.Equal(sum[:], h) {
			t.Fatalf("event %d: stored bytes hash to %x", i, sum)
		}
	}
}

// TestLotCode: the traceability lot code of each kind of code.
func TestLotCode(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{a1, "(01)" + shrimpGT + "(10)B2023(21)0001"},
		{"/01/" + shrimpGT + "/10/A%2FB", "(01)" + shrimpGT + "(10)A/B"},
		{unitSSCC, "(00)106141411234567897"},
		{n1, "CT-" + importer + "-1-" + n1[len(n1)-1:]},
	} {
		if got := lotCode(tc.code); got != tc.want {
			t.Errorf("lotCode(%s) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

package bench

import (
	"errors"
	"strings"
	"testing"
)

func TestTransportReason(t *testing.T) {
	long := `post failed: Post "http://127.0.0.1:26657": dial tcp 127.0.0.1:26657: connect: connection refused`
	hash := strings.Repeat("AB", 32)
	for _, tc := range []struct {
		name string
		err  string
		want string
	}{
		{"kept whole, past 80 characters", long, "broadcast: " + long},
		{"one line", "broadcast: first\nsecond\tthird", "broadcast: first second third"},
		{"no second prefix", "broadcast: " + long, "broadcast: " + long},
		{"hash dropped so identical reasons count together", "tx " + hash + ": fate unknown (" + long + ")",
			"broadcast: tx …: fate unknown (" + long + ")"},
		{"short hex kept", "code 0A1B", "broadcast: code 0A1B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := transportReason(errors.New(tc.err)); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

package client

import "testing"

func TestExpectedSequence(t *testing.T) {
	cases := []struct {
		name string
		log  string
		want uint64
		ok   bool
	}{
		{"node's refusal", "bad sequence: tx has sequence 7, the key's next sequence is 9", 9, true},
		{"another refusal", "not found: code x", 0, false},
		{"garbled number", "bad sequence: the key's next sequence is x9", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := expectedSequence(tc.log)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("expectedSequence(%q) = %d, %v; want %d, %v", tc.log, got, ok, tc.want, tc.ok)
			}
		})
	}
}

package node

import "testing"

func TestRetainHeight(t *testing.T) {
	cases := []struct {
		name                        string
		h, keep, interval, keepSnap int64
		want                        int64
	}{
		{"archive keeps all", 500, 0, 0, 0, 0},
		{"fewer blocks than kept", 10, 10, 0, 0, 0},
		{"one past the window", 11, 10, 0, 0, 2},
		{"window only", 1000, 100, 0, 0, 901},
		{"a snapshot older than the window holds it", 1050, 10, 1000, 2, 1000},
		{"the oldest of two snapshots", 3050, 100, 1000, 2, 2000},
		{"snapshots inside the window change nothing", 3050, 2000, 1000, 1, 1051},
		{"three snapshots kept, the oldest holds it", 3050, 2000, 1000, 3, 1000},
		{"no snapshot taken yet", 950, 100, 1000, 1, 851},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := retainHeight(c.h, c.keep, c.interval, c.keepSnap); got != c.want {
				t.Fatalf("retainHeight(%d, %d, %d, %d) = %d, want %d", c.h, c.keep, c.interval, c.keepSnap, got, c.want)
			}
		})
	}
}

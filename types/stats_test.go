package types_test

import (
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// TestAddSaturates: day counters stop at the largest uint64 from rules v2;
// under v1 they wrapped, and replaying v1 heights must wrap the same way.
func TestAddSaturates(t *testing.T) {
	const max = ^uint64(0)
	for _, tc := range []struct {
		a, b     uint64
		saturate bool
		want     uint64
	}{
		{1, 2, true, 3},
		{max - 1, 1, true, max},
		{max, 1, true, max},
		{1e19, 1e19, true, max},
		{max, 1, false, 0},
		{1e19, 1e19, false, 1e19 - (max - 1e19) - 1},
	} {
		if got := types.Add(tc.a, tc.b, tc.saturate); got != tc.want {
			t.Errorf("Add(%d, %d, %v) = %d, want %d", tc.a, tc.b, tc.saturate, got, tc.want)
		}
	}
	d := &types.DayStats{}
	d.AddFlow("EC", "330100", max, true)
	d.AddFlow("EC", "330100", 5, true)
	if len(d.Flows) != 1 || d.Flows[0].Quantity != max {
		t.Fatalf("flows: %+v", d.Flows)
	}
}

package bench

import (
	"context"
	"testing"
)

// TestScaleSmall builds a small state through the real app and checks
// that every figure of each checkpoint was measured.
func TestScaleSmall(t *testing.T) {
	cps, err := Scale(context.Background(), ScaleConfig{Dir: t.TempDir(), Checkpoints: []int64{4000, 8000}, Chains: 10, Queries: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 {
		t.Fatalf("%d checkpoints, want 2", len(cps))
	}
	for i, c := range cps {
		if c.Codes < []int64{4000, 8000}[i] || c.Events <= c.Codes || c.StateBytes <= 0 || c.BytesPerEvent <= 0 ||
			c.PeakRSSBytes <= 0 || c.Block1000Ms <= 0 || c.QueryP50Ms <= 0 || c.QueryP99Ms < c.QueryP50Ms ||
			c.ReopenMs <= 0 || c.SnapshotBytes <= 0 || c.RestoreMs <= 0 || c.Keys <= 0 {
			t.Fatalf("checkpoint %d not fully measured: %+v", i, c)
		}
	}
	if cps[1].Keys <= cps[0].Keys || cps[1].Height <= cps[0].Height {
		t.Fatalf("the state did not grow between checkpoints: %+v", cps)
	}
}

package node

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDiskDefaultsDocumented: README's table of validators and archive
// nodes states the defaults a new home gets.
func TestDiskDefaultsDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| validator (the default of `coldtrace init`") {
			row = line
		}
	}
	if row == "" {
		t.Fatal("README has no validator row in its bounded-disk table")
	}
	c := DefaultAppConfig()
	cells := strings.Split(row, "|")
	if len(cells) < 6 {
		t.Fatalf("validator row has %d cells: %q", len(cells), row)
	}
	for i, want := range []int64{c.State.KeepRecent, c.Blocks.RetainBlocks} {
		if got := strings.ReplaceAll(strings.TrimSpace(cells[3+i]), ",", ""); got != strconv.FormatInt(want, 10) {
			t.Errorf("README validator row, column %d: %q, the default is %d", 3+i, got, want)
		}
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchSummary reads a runs file as bench/standard.sh writes it and
// prints the side-by-side table; a file without runs is an error.
func TestBenchSummary(t *testing.T) {
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs.jsonl")
	empty := filepath.Join(dir, "empty.jsonl")
	lines := `{"load":"one","side":"coldtrace","pair":1,"cores":2,"loadavg_start":1,"loadavg_end":2,"report":{"tx_per_sec":900,"latency_p99_ms":3000}}
{"load":"one","side":"kvstore","pair":1,"cores":2,"loadavg_start":2,"loadavg_end":3,"report":{"tx_per_sec":1800,"latency_p99_ms":9000}}
`
	if err := os.WriteFile(runs, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, want, wantErr string
	}{
		{runs, "| 1 validator, 1 event per tx | 900 tx/s | 1,800 tx/s | **0.50×** (0.50–0.50) | 3,000 / 9,000 ms | 1 | 2 | 1.00 → 3.00 |", ""},
		{empty, "", "no runs"},
		{filepath.Join(dir, "missing.jsonl"), "", "no such file"},
	} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs([]string{"bench", "summary", c.file})
		err := cmd.Execute()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want one with %q", c.file, err, c.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: error %v, output:\n%s\nwant a line %q", c.file, err, out.String(), c.want)
		}
	}
}

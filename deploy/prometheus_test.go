package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// promtool is Debian's package prometheus (.ci/run installs it); with CI
// set a missing promtool fails the test.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not found: apt-get install -y prometheus")
		}
		t.Skip("promtool not found (apt-get install -y prometheus); with CI set this fails")
	}
	return p
}

func TestAlertRules(t *testing.T) {
	tool := promtool(t)
	tests, err := filepath.Glob("prometheus/*_test.yml")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no rule tests in prometheus/: %v", err)
	}
	if out, err := exec.Command(tool, "check", "config", "prometheus/prometheus.yml").CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	for _, f := range tests {
		cmd := exec.Command(tool, "test", "rules", filepath.Base(f))
		cmd.Dir = filepath.Dir(f)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool test rules %s: %v\n%s", f, err, out)
		}
	}
}

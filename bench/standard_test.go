package bench

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestStandardOptionsDocumented holds docs/PERFORMANCE.md's table of make
// bench's options to the defaults bench/standard.sh really uses, both ways.
func TestStandardOptionsDocumented(t *testing.T) {
	script, err := os.ReadFile("standard.sh")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/PERFORMANCE.md")
	if err != nil {
		t.Fatal(err)
	}
	inScript := map[string]string{}
	for _, m := range regexp.MustCompile(`\$\{([A-Z_]+):-([^}]*)\}`).FindAllStringSubmatch(string(script), -1) {
		inScript[m[1]] = m[2]
	}
	inDoc := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\s*\\| `([A-Z_]+)` \\| `?([^|`]*?)`? \\|").FindAllStringSubmatch(string(doc), -1) {
		inDoc[m[1]] = m[2]
	}
	if len(inScript) < 7 {
		t.Fatalf("found only %v in standard.sh", inScript)
	}
	for name, def := range inScript {
		if got, ok := inDoc[name]; !ok {
			t.Errorf("%s (default %q) is not in docs/PERFORMANCE.md's table of options", name, def)
		} else if got != def {
			t.Errorf("%s: docs say default %q, standard.sh uses %q", name, got, def)
		}
	}
	for name := range inDoc {
		if _, ok := inScript[name]; !ok {
			t.Errorf("docs/PERFORMANCE.md documents %s, which standard.sh does not read", name)
		}
	}
	// The script's own header lists the same options.
	for name, def := range inScript {
		if !strings.Contains(string(script), "#   "+name+"="+def) && !strings.Contains(string(script), " "+name+"="+def+" ") {
			t.Errorf("standard.sh's header does not list %s=%s", name, def)
		}
	}
}

package types

import (
	"os"
	"regexp"
	"testing"
)

// TestSymbologiesDocumented: the README's table of symbology identifiers
// lists exactly those ParseCode reads, with what follows each.
func TestSymbologiesDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| `(\\][A-Za-z][0-9])` \\| ([^|]+) \\| ([^|]+) \\|$").FindAllStringSubmatch(string(b), -1)
	doc := map[string]string{}
	for _, r := range rows {
		doc[r[1]] = r[2] + "|" + r[3]
	}
	want := map[string]string{}
	for _, s := range gs1Symbologies {
		want[s.id] = s.name + "|element string"
	}
	for _, s := range uriSymbologies {
		want[s.id] = s.name + "|Digital Link URI"
	}
	for id, w := range want {
		if doc[id] != w {
			t.Errorf("README: symbology %s reads %q, want %q", id, doc[id], w)
		}
	}
	for id := range doc {
		if _, ok := want[id]; !ok {
			t.Errorf("README lists symbology %s, which ParseCode does not read", id)
		}
	}
}

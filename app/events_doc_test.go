package app

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestIndexedAttributesDocumented: docs/ARCHITECTURE.md names exactly the
// event attributes the handlers index.
func TestIndexedAttributesDocumented(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	indexed := regexp.MustCompile(`Indexed\("([a-z_]+)"`)
	set := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range indexed.FindAllSubmatch(b, -1) {
			set[string(m[1])] = true
		}
	}
	doc, err := os.ReadFile("../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(doc), "kv indexer light: ")
	section, _, _ := strings.Cut(after, "(`app/events_doc_test.go`")
	var listed []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(section, -1) {
		listed = append(listed, m[1])
	}
	var want []string
	for k := range set {
		want = append(want, k)
	}
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Fatalf("docs/ARCHITECTURE.md lists indexed attributes %v; the handlers index %v", listed, want)
	}
}

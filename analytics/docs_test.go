package analytics_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/analytics"
)

// TestViewsDocumented: the README's table of views names exactly the
// views views.sql creates, in its order, and each has a comment there.
func TestViewsDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Analytics on PostgreSQL")
	if !ok {
		t.Fatal("README has no section \"Analytics on PostgreSQL\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(section, -1) {
		listed = append(listed, m[1])
	}
	views := analytics.ViewNames()
	if len(views) == 0 || !slices.Equal(listed, views) {
		t.Fatalf("README lists views %v; views.sql creates %v", listed, views)
	}
	for _, v := range views {
		if !regexp.MustCompile(`(?m)^-- ` + v + `: .+\n(--.*\n)*CREATE OR REPLACE VIEW ` + v + ` AS`).MatchString(analytics.Views) {
			t.Errorf("view %s has no comment \"-- %s: ...\" above it in views.sql", v, v)
		}
	}
}

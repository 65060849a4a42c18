package analytics_test

import (
	"context"
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

// TestReadmeQueriesRun: every psql command of the README's analytics
// section runs as pasted on a database analytics init prepared, and
// answers with the columns the README shows under it.
func TestReadmeQueriesRun(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "## Analytics on PostgreSQL")
	section, _, _ = strings.Cut(section, "\n## ")
	cmds := regexp.MustCompile(`(?m)^    psql '[^']+' -c '([^']+)'\n\n        (.+)\n`).FindAllStringSubmatch(section, -1)
	if len(cmds) < 5 {
		t.Fatalf("found %d psql commands with their output in the README", len(cmds))
	}
	conn := startPostgres(t)
	if _, err := analytics.Init(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, conn)
	for _, c := range cmds {
		r, err := db.Query(c[1])
		if err != nil {
			t.Fatalf("%s: %v", c[1], err)
		}
		cols, _ := r.Columns()
		r.Close()
		var shown []string
		for _, h := range strings.Split(c[2], "|") {
			shown = append(shown, strings.TrimSpace(h))
		}
		if !slices.Equal(cols, shown) {
			t.Errorf("%s answers columns %v; the README shows %v", c[1], cols, shown)
		}
	}
}

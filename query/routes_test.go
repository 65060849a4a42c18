package query

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// routeTable is docs/ARCHITECTURE.md's query table as the registry gives it.
func routeTable() string {
	var b strings.Builder
	b.WriteString("| path | answer |\n| --- | --- |\n")
	for _, r := range Routes {
		p := r.Path
		if r.Arg != "" {
			p += "/" + r.Arg
		}
		fmt.Fprintf(&b, "| `%s%s` | %s |\n", p, strings.ReplaceAll(r.Query, "|", "\\|"), r.Answer)
	}
	return b.String()
}

// TestRoutesDocumented: docs/ARCHITECTURE.md lists every query path, as registered.
func TestRoutesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := routeTable(); !strings.Contains(string(doc), want) {
		t.Fatalf("docs/ARCHITECTURE.md's query table differs from the routes (query/routes.go); it should read:\n\n%s", want)
	}
}

// TestRouteRegistry: a path registered twice stops the program; a path
// with and without a segment are two routes.
func TestRouteRegistry(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering /params twice did not panic")
		}
	}()
	if routes[routeKey("/validators", false)] == routes[routeKey("/validators", true)] {
		t.Fatal("/validators and /validators/{key} should be two routes")
	}
	register(&Route{Path: "/params"})
}

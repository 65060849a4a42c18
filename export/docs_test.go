package export

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// docTable returns the rows of the first Markdown table after a heading in
// docs/EXPORTS.md, each as its trimmed cells, without the header.
func docTable(t *testing.T, heading string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../docs/EXPORTS.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/EXPORTS.md has no heading %q", heading)
	}
	var rows [][]string
	for _, line := range strings.Split(after, "\n") {
		if !strings.HasPrefix(line, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	if len(rows) < 3 {
		t.Fatalf("no table under %q", heading)
	}
	return rows[2:] // header and separator
}

// TestDocEPCISMapping: the mapping table of docs/EXPORTS.md is what the
// export writes for the fixture's events.
func TestDocEPCISMapping(t *testing.T) {
	f := newFixture(t)
	d := parseEPCIS(t, exportEPCIS(t, f.histories(), fixtureOptions()))
	for _, row := range docTable(t, "### Mapping") {
		msg, kind, _ := strings.Cut(row[0], " (")
		kind = strings.TrimSuffix(kind, ")")
		found := false
		for _, ev := range d.Body.EventList {
			if str(ev, "ct:message") != msg || ev["errorDeclaration"] != nil {
				continue
			}
			if kind == "inspection" && str(ev, "bizStep") != "inspecting" || kind == "sampling" && str(ev, "bizStep") != "sampling" {
				continue
			}
			found = true
			disp := str(ev, "disposition")
			if str(ev, "type") != row[1] || str(ev, "action") != row[2] || str(ev, "bizStep") != row[3] ||
				!(disp == row[4] || strings.Contains(row[4], " or ") && slices.Contains(strings.Split(row[4], " or "), disp)) {
				t.Errorf("%s: the export writes %s %s %s %s, the doc says %q", row[0], str(ev, "type"), str(ev, "action"), str(ev, "bizStep"), disp, row[1:])
			}
		}
		if !found {
			t.Errorf("%s: no fixture event of the doc's row", row[0])
		}
	}
}

// TestDocFSMA: the columns table lists FSMAColumns in order, and the CTE
// table names exactly the CTEs of the rule.
func TestDocFSMA(t *testing.T) {
	var cols []string
	for _, row := range docTable(t, "### Columns") {
		cols = append(cols, row[0])
	}
	if strings.Join(cols, "|") != strings.Join(FSMAColumns, "|") {
		t.Errorf("docs/EXPORTS.md columns\n%q\nFSMAColumns\n%q", cols, FSMAColumns)
	}
	got := map[string]bool{}
	for _, row := range docTable(t, "### Critical tracking events") {
		got[row[2]] = true
	}
	for _, cte := range []string{CTEHarvesting, CTECooling, CTEInitialPacking, CTEFirstLandBasedReceiving, CTEShipping, CTEReceiving, CTETransformation} {
		if !got[cte] {
			t.Errorf("the CTE table lacks %s", cte)
		}
		delete(got, cte)
	}
	if len(got) > 0 {
		t.Errorf("the CTE table names CTEs the rule lacks: %v", got)
	}
}

// TestDocLedger: the ledger's columns table lists LedgerColumns in order.
func TestDocLedger(t *testing.T) {
	var cols []string
	for _, row := range docTable(t, "### Ledger columns") {
		cols = append(cols, row[0])
	}
	if strings.Join(cols, "|") != strings.Join(LedgerColumns, "|") {
		t.Errorf("docs/EXPORTS.md ledger columns\n%q\nLedgerColumns\n%q", cols, LedgerColumns)
	}
}

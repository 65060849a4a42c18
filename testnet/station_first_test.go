package testnet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// stationFacts is a batch template as an operator saves it: the facts of
// docs/examples/batch.json.
const stationFacts = `{"name": "冷冻白虾 Frozen white shrimp", "category": "frozen seafood", "originCountry": "CN", "productionDate": "2026-07-01",
 "shelfLifeDays": 730, "supplier": "湛江水产", "tempMinCenti": -3000, "tempMaxCenti": -1800}`

// TestStationFirstStation: the importer's phone commissions two cartons of
// a new batch from a saved template, is offered their labels, and
// dispatches one to the shop, found by a part of its name.
func TestStationFirstStation(t *testing.T) {
	needChromium(t)
	w := startStationWorld(t, testnode.Options{ChainID: "station-first", NoMetrics: true}, nil)
	p := startBrowser(t).open(w.gw.URL() + "/scan?lang=en")
	p.waitFor("the page's script", `document.body.dataset.ready === "1"`, 20*time.Second)
	w.enrol(t, p, w.impU, types.OwnerKind_OWNER_KIND_ENTERPRISE, w.imp)
	p.waitFor("the commission panel", `document.getElementById("act-commission")`, 20*time.Second)
	p.mustEval(`document.getElementById("commission-box").open = true;
		document.getElementById("template").value = `+"`"+stationFacts+"`"+`;
		document.getElementById("save-template").click();
		document.getElementById("batch-no").value = "ST-2026-12";
		document.getElementById("cartons").value = "2";
		document.getElementById("per-carton").value = "5000";
		document.getElementById("act-commission").click()`, nil)
	waitQueue(t, p, 1, "committed", 30*time.Second)
	p.waitFor("the cartons' labels", `document.querySelectorAll('.q-item[data-id="1"] .child-label').length === 2`, 20*time.Second)
	var codes []string
	p.mustEval(`Array.from(document.querySelectorAll('.q-item[data-id="1"] .child-label')).map((a) => a.dataset.code)`, &codes)
	for _, c := range codes {
		rec := w.record(t, c)
		if rec.BatchId != w.impU+"/ST-2026-12" || rec.Commissioned != 5000 || !strings.HasPrefix(c, "/c/CT-"+w.impU) {
			t.Fatalf("carton %s: batch %s, %d g", c, rec.BatchId, rec.Commissioned)
		}
	}
	// The template is kept for the next batch.
	p.mustEval(`document.body.dataset.ready = "old"; location.reload()`, nil)
	p.waitFor("the saved template after a reload", `document.body.dataset.ready === "1" && document.getElementById("template") && document.getElementById("template").value.includes("Frozen white shrimp")`, 20*time.Second)

	typeScan(t, p, codes[0])
	p.waitFor("the dispatch form", `document.getElementById("buyer")`, 20*time.Second)
	p.mustEval(`const b = document.getElementById("buyer"); b.value = "超市"; b.dispatchEvent(new Event("change"))`, nil)
	p.waitFor("the buyers found by name", `document.querySelector('.buyer-pick[data-uscc="`+w.shopU+`"]')`, 20*time.Second)
	p.mustEval(`document.querySelector('.buyer-pick[data-uscc="`+w.shopU+`"]').click()`, nil)
	var picked string
	p.mustEval(`document.getElementById("buyer").value + " " + document.getElementById("buyer-name").textContent`, &picked)
	if picked != w.shopU+" 西湖超市" {
		t.Fatalf("picking the buyer by name gives %q", picked)
	}
	p.mustEval(`document.getElementById("act-dispatch").click()`, nil)
	waitQueue(t, p, 2, "committed", 30*time.Second)
	list := &types.ConsignmentList{}
	if _, err := w.c.QueryInto(context.Background(), "/trace/inbound/"+w.shopU, list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range list.Consignments {
		for _, it := range c.Items {
			found = found || (it.Code == codes[0] && it.Quantity == 5000 && c.Sender == w.impU)
		}
	}
	if !found {
		t.Fatalf("the shop's inbound lacks the dispatched carton: %v", list.Consignments)
	}
}

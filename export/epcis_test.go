package export

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares out with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, out []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./export -update to create it)", err)
	}
	if bytes.Equal(out, want) {
		return
	}
	got, exp := strings.Split(string(out), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(got) || i < len(exp); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(exp) {
			w = exp[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run go test ./export -update if the change is intended)", path, i+1, g, w)
		}
	}
}

// CBV 2.0 terms the export may use.
var (
	cbvBizSteps = set("accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
		"creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying", "disassembling",
		"dispensing", "encoding", "entering_exiting", "holding", "inspecting", "installing", "killing", "loading",
		"other", "packing", "picking", "receiving", "removing", "repackaging", "repairing", "replacing", "reserving",
		"retail_selling", "sampling", "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking",
		"storing", "transporting", "unloading", "unpacking", "void_shipping")
	cbvDispositions = set("active", "available", "completeness_inferred", "completeness_verified", "conformant",
		"container_closed", "damaged", "destroyed", "dispensed", "disposed", "encoded", "expired", "in_progress",
		"in_transit", "inactive", "mismatch_instance", "mismatch_class", "mismatch_quantity", "needs_replacement",
		"no_pedigree_match", "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
		"retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen", "unavailable", "unknown")
	cbvErrorReasons = set("did_not_occur", "incorrect_data")
	cbvSourceTypes  = set("owning_party", "possessing_party", "location")
	cbvBizTxTypes   = set("bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma", "testprd", "testres")
)

func set(xs ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

type parsedDoc struct {
	Context       []any                     `json:"@context"`
	Type          string                    `json:"type"`
	SchemaVersion string                    `json:"schemaVersion"`
	CreationDate  string                    `json:"creationDate"`
	Body          struct{ EventList []obj } `json:"epcisBody"`
}

type obj = map[string]any

func exportEPCIS(t *testing.T, hs []History, o Options) []byte {
	t.Helper()
	out, err := EPCIS(hs, o)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func parseEPCIS(t *testing.T, out []byte) *parsedDoc {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var d parsedDoc
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("EPCIS output is not JSON: %v", err)
	}
	return &d
}

// chainOrder is the fixture's hashes in the order the document lists events.
func chainOrder(f *fixture) [][]byte {
	idx := make([]int, len(f.events))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		ea, eb := f.events[idx[a]], f.events[idx[b]]
		if ea.TimeMs != eb.TimeMs {
			return ea.TimeMs < eb.TimeMs
		}
		return hex.EncodeToString(f.hashes[idx[a]]) < hex.EncodeToString(f.hashes[idx[b]])
	})
	out := make([][]byte, len(idx))
	for i, j := range idx {
		out[i] = f.hashes[j]
	}
	return out
}

// chainHash is the ct:chainEventHash of a chain event.
func chainHash(h []byte) string { return "ni:///sha-256;" + hex.EncodeToString(h) }

// idByHash is the eventID the document gives the chain event h.
func idByHash(t *testing.T, d *parsedDoc, h []byte) string {
	t.Helper()
	for _, ev := range d.Body.EventList {
		if ev["errorDeclaration"] == nil && str(ev, "ct:chainEventHash") == chainHash(h) {
			return str(ev, "eventID")
		}
	}
	t.Fatalf("no event %x", h)
	return ""
}

func str(o obj, k string) string {
	s, _ := o[k].(string)
	return s
}

func list(o obj, k string) []any {
	l, _ := o[k].([]any)
	return l
}

func TestEPCISGolden(t *testing.T) {
	f := newFixture(t)
	golden(t, "epcis.golden", exportEPCIS(t, f.histories(), fixtureOptions()))
}

// TestEPCISDocument checks the document and every event against the EPCIS
// 2.0 JSON binding and the CBV 2.0 vocabularies.
func TestEPCISDocument(t *testing.T) {
	f := newFixture(t)
	d := parseEPCIS(t, exportEPCIS(t, f.histories(), fixtureOptions()))
	if len(d.Context) != 2 || d.Context[0] != EPCISContext {
		t.Fatalf("@context %v", d.Context)
	}
	if ext, _ := d.Context[1].(obj); len(ext) != 1 || ext["ct"] != ExtensionNamespace {
		t.Fatalf("extension context %v", d.Context[1])
	}
	if d.Type != "EPCISDocument" || d.SchemaVersion != "2.0" || d.CreationDate != "2023-11-14T22:53:20.000Z" {
		t.Fatalf("document header %q %q %q", d.Type, d.SchemaVersion, d.CreationDate)
	}
	if len(d.Body.EventList) != len(f.events) {
		t.Fatalf("%d events, the fixture has %d", len(d.Body.EventList), len(f.events))
	}
	steps, disps := map[string]bool{}, map[string]bool{}
	var last time.Time
	for i, ev := range d.Body.EventList {
		typ := str(ev, "type")
		for _, k := range []string{"type", "eventTime", "eventTimeZoneOffset", "eventID", "ct:message", "ct:chainEventHash"} {
			if str(ev, k) == "" {
				t.Errorf("event %d (%s) has no %s", i, typ, k)
			}
		}
		if str(ev, "eventTimeZoneOffset") != "+08:00" {
			t.Errorf("event %d: eventTimeZoneOffset %q", i, str(ev, "eventTimeZoneOffset"))
		}
		tm, err := time.Parse(time.RFC3339Nano, str(ev, "eventTime"))
		if err != nil || !strings.HasSuffix(str(ev, "eventTime"), "Z") {
			t.Errorf("event %d: eventTime %q is not RFC 3339 UTC (%v)", i, str(ev, "eventTime"), err)
		}
		if ev["errorDeclaration"] == nil { // a declaration repeats an earlier eventTime
			if tm.Before(last) {
				t.Errorf("event %d at %v comes after one at %v", i, tm, last)
			}
			last = tm
		}
		switch typ {
		case "ObjectEvent":
			if ev["epcList"] == nil && ev["quantityList"] == nil {
				t.Errorf("event %d: ObjectEvent without epcList or quantityList", i)
			}
			fallthrough
		case "AggregationEvent":
			if a := str(ev, "action"); a != "ADD" && a != "OBSERVE" && a != "DELETE" {
				t.Errorf("event %d: action %q", i, a)
			}
		case "TransformationEvent":
			if ev["action"] != nil {
				t.Errorf("event %d: a TransformationEvent has no action", i)
			}
		default:
			t.Errorf("event %d: type %q", i, typ)
		}
		if ev["ilmd"] != nil && str(ev, "action") != "ADD" {
			t.Errorf("event %d: ilmd on action %q", i, str(ev, "action"))
		}
		if s := str(ev, "bizStep"); s == "" || !cbvBizSteps[s] {
			t.Errorf("event %d: bizStep %q is not a CBV 2.0 business step", i, s)
		} else {
			steps[s] = true
		}
		if s, ok := ev["disposition"]; ok {
			if !cbvDispositions[s.(string)] {
				t.Errorf("event %d: disposition %q is not a CBV 2.0 disposition", i, s)
			}
			disps[s.(string)] = true
		}
		for _, q := range append(append(list(ev, "quantityList"), list(ev, "childQuantityList")...), append(list(ev, "inputQuantityList"), list(ev, "outputQuantityList")...)...) {
			qe := q.(obj)
			if str(qe, "epcClass") == "" || qe["quantity"] == nil && str(ev, "ct:batch") == "" { // a whole lot has no quantity
				t.Errorf("event %d: quantity element %v", i, qe)
			}
			if u, ok := qe["uom"]; ok && u != "KGM" {
				t.Errorf("event %d: uom %v", i, u)
			}
		}
		for _, k := range []string{"sourceList", "destinationList"} {
			for _, s := range list(ev, k) {
				if !cbvSourceTypes[str(s.(obj), "type")] {
					t.Errorf("event %d: %s type %v", i, k, s)
				}
			}
		}
		for _, b := range list(ev, "bizTransactionList") {
			if !cbvBizTxTypes[str(b.(obj), "type")] || !strings.Contains(str(b.(obj), "bizTransaction"), ":") {
				t.Errorf("event %d: business transaction %v", i, b)
			}
		}
		if ed, ok := ev["errorDeclaration"].(obj); ok {
			if !cbvErrorReasons[str(ed, "reason")] || str(ed, "declarationTime") == "" {
				t.Errorf("event %d: errorDeclaration %v", i, ed)
			}
		}
	}
	// Every business step and disposition of the mapping is exercised.
	for _, s := range []string{"commissioning", "shipping", "receiving", "retail_selling", "repackaging", "packing", "unpacking",
		"sensor_reporting", "storing", "inspecting", "sampling", "holding", "destroying"} {
		if !steps[s] {
			t.Errorf("no event with bizStep %s", s)
		}
	}
	for _, s := range []string{"active", "in_transit", "in_progress", "retail_sold", "non_sellable_other", "conformant", "non_conformant", "recalled", "destroyed"} {
		if !disps[s] {
			t.Errorf("no event with disposition %s", s)
		}
	}
}

// TestEPCISEventIDs: an eventID is the CBV 2.0 EPCIS Event Hash ID of the
// event as exported, the same in every run and whatever order the histories
// come in; an error declaration carries the eventID of the event it
// corrects, and the chain hashes of the correction.
func TestEPCISEventIDs(t *testing.T) {
	f := newFixture(t)
	hs := f.histories()
	first := exportEPCIS(t, hs, fixtureOptions())
	if again := exportEPCIS(t, f.histories(), fixtureOptions()); !bytes.Equal(first, again) {
		t.Fatal("two exports of the same histories differ")
	}
	reversed := append([]History(nil), hs...)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	if out := exportEPCIS(t, reversed, fixtureOptions()); !bytes.Equal(first, out) {
		t.Fatal("the export depends on the order of the histories")
	}

	d := parseEPCIS(t, first)
	order := chainOrder(f)
	corrected := map[string][]byte{}
	for i, ev := range f.events {
		if m := ev.Msg.GetCorrect(); m != nil {
			corrected[string(f.hashes[i])] = m.Event
		}
	}
	seen := map[string]bool{}
	for i, ev := range d.Body.EventList {
		h := order[i]
		if orig, ok := corrected[string(h)]; ok {
			if str(ev, "eventID") != idByHash(t, d, orig) || str(ev, "ct:declarationChainEventHash") != chainHash(h) || str(ev, "ct:chainEventHash") != chainHash(orig) {
				t.Errorf("event %d: declaration ids %q / %q", i, str(ev, "eventID"), str(ev, "ct:declarationChainEventHash"))
			}
			continue
		}
		// Recomputed from the event as the document has it, any field order.
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		id, _, err := EventHashID(b, map[string]string{"ct": ExtensionNamespace})
		if err != nil || str(ev, "eventID") != id || !strings.HasSuffix(id, "?ver=CBV2.0") {
			t.Errorf("event %d: eventID %q, recomputed %q (%v)", i, str(ev, "eventID"), id, err)
		}
		if str(ev, "ct:chainEventHash") != chainHash(h) {
			t.Errorf("event %d: ct:chainEventHash %q, want %q", i, str(ev, "ct:chainEventHash"), chainHash(h))
		}
		if seen[id] {
			t.Errorf("event %d: eventID %q appears twice", i, id)
		}
		seen[id] = true
	}
}

// eventByName finds the document's event of a fixture event (for a
// correction: the repeated event that carries the declaration).
func eventByName(t *testing.T, d *parsedDoc, f *fixture, name string) obj {
	t.Helper()
	h, ok := f.named[name]
	if !ok {
		t.Fatalf("no fixture event %q", name)
	}
	var found obj
	for _, ev := range d.Body.EventList {
		if str(ev, "ct:chainEventHash") == chainHash(h) && ev["errorDeclaration"] == nil || str(ev, "ct:declarationChainEventHash") == chainHash(h) {
			if found != nil {
				t.Fatalf("event %q appears twice", name)
			}
			found = ev
		}
	}
	if found == nil {
		t.Fatalf("event %q is not in the document", name)
	}
	return found
}

// TestEPCISMapping checks each kind of chain event against the mapping table.
func TestEPCISMapping(t *testing.T) {
	f := newFixture(t)
	d := parseEPCIS(t, exportEPCIS(t, f.histories(), fixtureOptions()))
	for _, tc := range []struct {
		event, message, typ, action, bizStep, disposition string
	}{
		{"commission shrimp", "commission", "ObjectEvent", "ADD", "commissioning", "active"},
		{"ship to warehouse", "dispatch", "ObjectEvent", "OBSERVE", "shipping", "in_transit"},
		{"warehouse receives", "receive", "ObjectEvent", "OBSERVE", "receiving", "in_progress"},
		{"shop sells", "sell", "ObjectEvent", "OBSERVE", "retail_selling", "retail_sold"},
		{"restaurant consumes", "sell", "ObjectEvent", "OBSERVE", "retail_selling", "retail_sold"},
		{"split", "split", "TransformationEvent", "", "repackaging", "active"},
		{"pack", "aggregate", "AggregationEvent", "ADD", "packing", "in_progress"},
		{"unpack", "disaggregate", "AggregationEvent", "DELETE", "unpacking", ""},
		{"excursion", "sensor_report", "ObjectEvent", "OBSERVE", "sensor_reporting", ""},
		{"correct reading", "sensor_report", "ObjectEvent", "OBSERVE", "sensor_reporting", ""},
		{"delivery note mistyped", "dispatch", "ObjectEvent", "OBSERVE", "shipping", "in_transit"},
		{"inspection did not occur", "record_test", "ObjectEvent", "OBSERVE", "inspecting", "conformant"},
		{"warehouse entry", "warehouse_entry", "ObjectEvent", "OBSERVE", "storing", "non_sellable_other"},
		{"release", "release", "ObjectEvent", "OBSERVE", "inspecting", "conformant"},
		{"warehouse inspects", "record_test", "ObjectEvent", "OBSERVE", "inspecting", "conformant"},
		{"customs samples", "record_test", "ObjectEvent", "OBSERVE", "sampling", "conformant"},
		{"positive sample", "record_test", "ObjectEvent", "OBSERVE", "sampling", "non_conformant"},
		{"hold", "hold", "ObjectEvent", "OBSERVE", "holding", "non_conformant"},
		{"unhold", "unhold", "ObjectEvent", "OBSERVE", "inspecting", "conformant"},
		{"recall", "recall", "ObjectEvent", "OBSERVE", "holding", "recalled"},
		{"destroy at shop", "destroy", "ObjectEvent", "DELETE", "destroying", "destroyed"},
	} {
		t.Run(tc.event, func(t *testing.T) {
			ev := eventByName(t, d, f, tc.event)
			got := []string{str(ev, "ct:message"), str(ev, "type"), str(ev, "action"), str(ev, "bizStep"), str(ev, "disposition")}
			want := []string{tc.message, tc.typ, tc.action, tc.bizStep, tc.disposition}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

// TestEPCISDetails checks the fields each mapping fills.
func TestEPCISDetails(t *testing.T) {
	f := newFixture(t)
	d := parseEPCIS(t, exportEPCIS(t, f.histories(), fixtureOptions()))
	dl := func(code string) string { return DefaultDigitalLinkBase + code }
	party := func(id string) string { return DefaultDigitalLinkBase + "/party/" + id }
	site := func(u string) obj { return obj{"id": DefaultDigitalLinkBase + "/location/" + u} }
	shrimpClass := "https://id.gs1.org/01/" + shrimpGT + "/10/" + shrimpLot
	asJSON := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	check := func(name, field string, want any) {
		t.Helper()
		ev := eventByName(t, d, f, name)
		if got, w := asJSON(ev[field]), asJSON(want); got != w {
			t.Errorf("%s: %s = %s, want %s", name, field, got, w)
		}
	}
	kg := func(s string) json.Number { return json.Number(s) }

	// Commissioning: whole instances, the native one included, and the lot's facts.
	check("commission shrimp", "epcList", []string{dl(a1), dl(a2), dl(n1)})
	check("commission shrimp", "quantityList", nil)
	ilmd := eventByName(t, d, f, "commission shrimp")["ilmd"].(obj)
	for k, want := range map[string]string{
		"cbvmda:lotNumber": shrimpLot, "cbvmda:countryOfOrigin": "EC", "cbvmda:itemExpirationDate": "2025-09-30",
		"ct:batch": shrimpBatch, "ct:productionDate": "2023-10-01", "ct:customsDeclaration": "310120231000456789",
	} {
		if str(ilmd, k) != want {
			t.Errorf("ilmd %s = %v, want %s", k, ilmd[k], want)
		}
	}
	if got := asJSON(ilmd["ct:storageTemperature"]); got != `{"ct:maxValue":-18.00,"ct:minValue":-30.00,"ct:uom":"CEL"}` {
		t.Errorf("storage temperature %s", got)
	}
	// One piece of a serialised code is an instance.
	check("commission pork", "epcList", []string{dl(p1), dl(p2)})
	check("ship pork", "epcList", []string{dl(p1)})

	// Shipping and receiving: part of a carton is a quantity of its lot in
	// kilograms, the whole native carton an instance; parties, sites,
	// consignment, the shortfall as received.
	check("ship to warehouse", "quantityList", []obj{{"epcClass": shrimpClass, "quantity": kg("6"), "uom": "KGM"}})
	check("ship to warehouse", "epcList", []string{dl(n1)})
	con1 := DefaultDigitalLinkBase + "/consignment/" + hexID(digest("consignment 1"))
	check("ship to warehouse", "sourceList", []obj{{"type": "owning_party", "source": party(importer)}, {"type": "location", "source": site(importer)["id"]}})
	check("ship to warehouse", "destinationList", []obj{{"type": "owning_party", "destination": party(warehouse)}, {"type": "location", "destination": site(warehouse)["id"]}})
	check("ship to warehouse", "bizTransactionList", []obj{{"type": "desadv", "bizTransaction": con1}})
	check("ship to warehouse", "readPoint", site(importer))
	check("ship to warehouse", "bizLocation", nil)
	check("ship to warehouse", "ct:carrier", party(carrier))
	check("warehouse receives", "quantityList", []obj{{"epcClass": shrimpClass, "quantity": kg("5.9"), "uom": "KGM"}})
	check("warehouse receives", "epcList", []string{dl(n1)})
	check("warehouse receives", "sourceList", []obj{{"type": "owning_party", "source": party(importer)}, {"type": "location", "source": site(importer)["id"]}})
	check("warehouse receives", "bizLocation", site(warehouse))

	// Transformation, aggregation: quantities of one lot are summed.
	check("split", "inputQuantityList", []obj{{"epcClass": shrimpClass, "quantity": kg("4"), "uom": "KGM"}})
	check("split", "outputEPCList", []string{dl(k1), dl(k2)})
	check("pack", "parentID", dl(unitSSCC))
	check("pack", "childQuantityList", []obj{{"epcClass": shrimpClass, "quantity": kg("9.9"), "uom": "KGM"}})
	check("unpack", "childQuantityList", []obj{{"epcClass": shrimpClass, "quantity": kg("9.9"), "uom": "KGM"}})
	check("ship pallet", "epcList", []string{dl(unitSSCC)})
	check("shop sells", "quantityList", []obj{{"epcClass": shrimpClass, "quantity": kg("0.5"), "uom": "KGM"}})

	// Sensor report.
	check("excursion", "sensorElementList", []obj{{
		"sensorMetadata": obj{
			"startTime": "2023-11-14T22:20:00.000Z", "endTime": "2023-11-14T22:25:00.000Z",
			"deviceID": DefaultDigitalLinkBase + "/device/logger%207%2FA",
			"rawData":  "ni:///sha-256;" + hexID(digest("raw readings 7")),
		},
		"sensorReport": []obj{{"type": "gs1:Temperature", "exception": "ALARM_CONDITION", "minValue": json.Number("-18.50"), "maxValue": json.Number("-17.90"), "uom": "CEL"}},
	}})
	check("excursion", "epcList", []string{dl(a1), dl(n1)})

	// Corrections repeat the event and declare it.
	check("correct reading", "errorDeclaration", obj{
		"declarationTime": "2023-11-14T22:33:20.000Z", "reason": "incorrect_data",
		"correctiveEventIDs": []string{idByHash(t, d, f.named["right reading"])},
	})
	check("correct reading", "ct:correctiveChainEventHashes", []string{chainHash(f.named["right reading"])})
	check("correct reading", "eventTime", eventByName(t, d, f, "wrong reading")["eventTime"])
	check("correct reading", "sensorElementList", eventByName(t, d, f, "wrong reading")["sensorElementList"])
	check("inspection did not occur", "errorDeclaration", obj{"declarationTime": "2023-11-14T22:34:20.000Z", "reason": "did_not_occur"})
	check("inspection did not occur", "ct:declaredBy", party("regulator/"+city))
	check("delivery note mistyped", "ct:deliveryNote", "DN-2023-001")
	check("delivery note mistyped", "ct:correctionNote", "delivery note is DN-2023-010")

	// Supervision: a regulator or customs is a party, never a read point.
	check("customs samples", "readPoint", nil)
	check("customs samples", "bizLocation", nil)
	check("customs samples", "ct:authority", party("customs"))
	check("customs samples", "bizTransactionList", []obj{{"type": "testres", "bizTransaction": "ni:///sha-256;" + hexID(digest("customs lab report"))}})
	check("hold", "readPoint", nil)
	check("hold", "ct:authority", party("regulator/"+district))
	check("positive sample", "epcList", []string{dl(p1), dl(p2)})
	check("positive sample", "ct:batch", porkBatch)
	check("positive sample", "quantityList", []obj{{"epcClass": "https://id.gs1.org/01/" + porkGTIN + "/10/" + porkLot}})
	check("batch test", "quantityList", []obj{{"epcClass": shrimpClass}})
	check("batch test", "epcList", nil)
	check("batch test", "ct:authority", party("regulator/"+city))
	check("recall", "ct:reason", "African swine fever")
	check("destroy at shop", "readPoint", site(shop))
	check("destroy at shop", "bizLocation", site(shop))
	check("destroy at shop", "ct:holder", party(shop))
	check("destroy at shop", "ct:witness", party("regulator/"+district))
	check("destroy at shop", "ct:authority", nil)
	check("destroy at shop", "epcList", []string{dl(p1)})
	check("restaurant consumes", "ct:saleKind", "consumed")
	check("release", "ct:chainEventHash", "ni:///sha-256;"+hexID(f.named["release"]))
}

// TestEPCISSharedEventOnce: a shipment of two codes is in both codes'
// histories and appears once, naming both.
func TestEPCISSharedEventOnce(t *testing.T) {
	f := newFixture(t)
	var hs []History
	for _, h := range f.histories() {
		if h.Code.Code == a1 || h.Code.Code == n1 {
			hs = append(hs, h)
		}
	}
	d := parseEPCIS(t, exportEPCIS(t, hs, fixtureOptions()))
	n := 0
	for _, ev := range d.Body.EventList {
		if str(ev, "ct:chainEventHash") == chainHash(f.named["ship to warehouse"]) && ev["errorDeclaration"] == nil {
			n++
			if q, e := list(ev, "quantityList"), list(ev, "epcList"); len(q) != 1 || len(e) != 1 {
				t.Errorf("the shipment names %d quantities and %d instances, want 1 and 1", len(q), len(e))
			}
		}
	}
	if n != 1 {
		t.Fatalf("the shipment of two codes appears %d times", n)
	}
}

// TestEPCISPartial: with only a child's history, codes whose unit nothing
// reveals are named without a quantity, a code moved whole is an instance, and an unpacking whose packings are
// not shown leaves its children out (meaning all of them).
func TestEPCISPartial(t *testing.T) {
	f := newFixture(t)
	var only []History
	var unit History
	for _, h := range f.histories() {
		switch h.Code.Code {
		case k1:
			only = append(only, h)
		case unitSSCC:
			unit = h
		}
	}
	d := parseEPCIS(t, exportEPCIS(t, only, fixtureOptions()))
	dl := func(code string) string { return DefaultDigitalLinkBase + code }
	ship := eventByName(t, d, f, "ship children")
	// k1 is shipped whole (its record says 2000 g); k2's unit is unknown.
	if q := list(ship, "quantityList"); len(q) != 0 {
		t.Errorf("quantityList %v", q)
	}
	if e := list(ship, "epcList"); len(e) != 2 || e[0] != dl(k1) || e[1] != dl(k2) {
		t.Errorf("epcList %v", e)
	}
	split := eventByName(t, d, f, "split")
	if in := list(split, "inputEPCList"); len(in) != 1 || in[0] != dl(n1) {
		t.Errorf("inputEPCList %v", in)
	}

	// The unit's history without its packing.
	var h History
	h.Code, h.Enterprises = unit.Code, unit.Enterprises
	for i, ev := range unit.Events {
		if ev.Msg.GetDisaggregate() != nil {
			h.Events, h.EventHashes = append(h.Events, ev), append(h.EventHashes, unit.EventHashes[i])
		}
	}
	d = parseEPCIS(t, exportEPCIS(t, []History{h}, fixtureOptions()))
	if len(d.Body.EventList) != 1 {
		t.Fatalf("%d events", len(d.Body.EventList))
	}
	ev := d.Body.EventList[0]
	if ev["childEPCs"] != nil || ev["childQuantityList"] != nil || str(ev, "action") != "DELETE" || str(ev, "parentID") != dl(unitSSCC) {
		t.Fatalf("unpacking %v", ev)
	}
}

// TestCenti: temperatures are formatted from centi-degrees exactly.
func TestCenti(t *testing.T) {
	for _, tc := range []struct {
		in   int32
		want string
	}{
		{-1850, "-18.50"}, {-1790, "-17.90"}, {0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {-100, "-1.00"},
		{399, "3.99"}, {2305, "23.05"}, {-2147483648, "-21474836.48"}, {2147483647, "21474836.47"},
	} {
		if got := types.FormatCenti(tc.in); got != tc.want {
			t.Errorf("types.FormatCenti(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
	f := newFixture(t)
	out := string(exportEPCIS(t, f.histories(), fixtureOptions()))
	for _, want := range []string{`"minValue": -18.50`, `"maxValue": -17.90`, `"minValue": 21.50`, `"maxValue": -19.05`, `"ct:minValue": -30.00`} {
		if !strings.Contains(out, want) {
			t.Errorf("the document lacks %s", want)
		}
	}
}

func TestEPCISErrors(t *testing.T) {
	f := newFixture(t)
	hs := f.histories()
	corr := f.named["correct reading"]
	var onlyCorrection History
	for i, h := range f.hashes {
		if bytes.Equal(h, corr) {
			onlyCorrection = History{Code: f.records[a1], Events: []*types.Event{f.events[i]}, EventHashes: [][]byte{h}}
		}
	}
	for _, tc := range []struct {
		name string
		hs   []History
		o    Options
		want string
	}{
		{"no chain id", hs, Options{}, "ChainID is required"},
		{"no record", []History{{}}, fixtureOptions(), "no code record"},
		{"hashes", []History{{Code: f.records[a1], Events: hs[0].Events}}, fixtureOptions(), "hashes"},
		{"corrected event missing", []History{onlyCorrection}, fixtureOptions(), "which no history holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EPCIS(tc.hs, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestEPCISEmpty: no histories give a valid empty document dated as asked.
func TestEPCISEmpty(t *testing.T) {
	d := parseEPCIS(t, exportEPCIS(t, nil, fixtureOptions()))
	if d.Body.EventList == nil || len(d.Body.EventList) != 0 || d.CreationDate != "2023-11-14T22:53:20.000Z" {
		t.Fatalf("%+v", d)
	}
}

// TestEPCISUnmappedMessage: a message the mapping does not know (one a later
// rules version adds) is exported as an observation of the codes the chain
// applied it to, under the chain's step when CBV has it, and is no FSMA
// critical tracking event.
func TestEPCISUnmappedMessage(t *testing.T) {
	f := newFixture(t)
	var h History
	for _, x := range f.histories() {
		if x.Code.Code == a1 {
			h = x
		}
	}
	for _, tc := range []struct{ step, want string }{{"inspecting", "inspecting"}, {"site_testing", ""}} {
		ev := &types.Event{BizStep: tc.step, TimeMs: baseMs + 90*minuteMs, Actor: city, Msg: types.WrapMsg(&types.MsgAddDivision{Division: "330199", Name: "test"}), Codes: []string{a1}}
		hash, err := EventHash(ev)
		if err != nil {
			t.Fatal(err)
		}
		hx := h
		hx.Events, hx.EventHashes = append(append([]*types.Event(nil), h.Events...), ev), append(append([][]byte(nil), h.EventHashes...), hash)
		out := exportEPCIS(t, []History{hx}, fixtureOptions())
		d := parseEPCIS(t, out)
		got := d.Body.EventList[len(d.Body.EventList)-1]
		if str(got, "ct:message") != "add_division" || str(got, "type") != "ObjectEvent" || str(got, "action") != "OBSERVE" ||
			str(got, "bizStep") != tc.want || len(list(got, "epcList")) != 1 || str(got, "ct:authority") == "" {
			t.Errorf("step %s: %v", tc.step, got)
		}
		_, before := parseFSMA(t, exportFSMA(t, []History{h}, fixtureOptions()))
		_, after := parseFSMA(t, exportFSMA(t, []History{hx}, fixtureOptions()))
		if len(after) != len(before) {
			t.Errorf("step %s: %d FSMA rows, want %d", tc.step, len(after), len(before))
		}
	}
}

package testnet

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/capture"
	"github.com/coldtrace/coldtrace/export/epcisschema"
	"github.com/coldtrace/coldtrace/internal/testnode"
)

// TestCaptureSensorAndSplit: a sensor report and a split captured on a
// real node come back equal after normalisation, like the movements.
func TestCaptureSensorAndSplit(t *testing.T) {
	schema := epcisschema.ForTest(t)
	n := testnode.Start(t, "capture-more")
	imp, _ := captureParties(t, n)
	a := startCapture(t, n, imp, "capture-importer", t.TempDir())
	const child = base + "/01/09521234543213/10/CAP-1/21/0001"
	start := time.Now().Add(-30 * time.Minute).UTC().Truncate(time.Second)
	commission := ev("ObjectEvent", "commissioning", map[string]any{"action": "ADD", "disposition": "active",
		"readPoint": site(imp), "bizLocation": site(imp), "quantityList": kg("20"),
		"ilmd": map[string]any{"cbvmda:lotNumber": "CAP-1", "cbvmda:countryOfOrigin": "CN", "ct:productName": "Frozen hairtail", "ct:category": "frozen fish",
			"ct:productionDate": "2026-06-01", "ct:shelfLifeDays": json.Number("540"),
			"ct:storageTemperature": map[string]any{"ct:minValue": json.Number("-30"), "ct:maxValue": json.Number("-18"), "ct:uom": "CEL"}}})
	sensor := ev("ObjectEvent", "sensor_reporting", map[string]any{"action": "OBSERVE", "readPoint": site(imp), "bizLocation": site(imp),
		"epcList": []any{base + "/01/09521234543213/10/CAP-1"},
		"sensorElementList": []any{map[string]any{
			"sensorMetadata": map[string]any{"startTime": start.Format(time.RFC3339), "endTime": start.Add(20 * time.Minute).Format(time.RFC3339), "deviceID": base + "/device/T-9"},
			"sensorReport":   []any{map[string]any{"type": "gs1:Temperature", "minValue": json.Number("-21.5"), "maxValue": json.Number("-19"), "uom": "CEL"}}}}})
	split := ev("TransformationEvent", "repackaging", map[string]any{"disposition": "active", "readPoint": site(imp), "bizLocation": site(imp),
		"inputQuantityList": kg("4"),
		"outputEPCList":     []any{child},
		"ct:codeQuantities": []any{map[string]any{"epc": child, "quantity": json.Number("4"), "uom": "KGM"}}})
	j := a.post(t, document(commission, sensor, split), capture.Proceed)
	if !j.Success {
		t.Fatalf("job: %+v %+v %+v", j.Events[0], j.Events[1], j.Events[2])
	}
	waitHeight(t, n.Client, j.Events[2].Height, 20*time.Second)
	// The lot's quantities (MATCH_epcClass) and the lot-level code named
	// as an instance (MATCH_anyEPC: the sensor report, the split's input).
	byStep := map[string]map[string]any{}
	for _, q := range []string{"MATCH_epcClass=" + url.QueryEscape(lotClass), "MATCH_anyEPC=" + url.QueryEscape(lotClass)} {
		res, body := a.do(t, "GET", "/epcis/events?"+q, captureToken, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if err := schema.Validate(body); err != nil {
			t.Fatal(err)
		}
		for _, e := range queryEvents(t, body) {
			byStep[e["bizStep"].(string)] = e
		}
	}
	for i, w := range []map[string]any{commission, sensor, split} {
		got := byStep[w["bizStep"].(string)]
		if got == nil {
			t.Fatalf("no %s event in the answers", w["bizStep"])
		}
		compareCaptured(t, i, w, got)
	}
}

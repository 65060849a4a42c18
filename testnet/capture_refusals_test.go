package testnet

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/capture"
	"github.com/coldtrace/coldtrace/internal/testnode"
)

// TestCaptureRefusals: unauthenticated callers get 401; a broken body 400
// with a problem; a document too large for one tx 413 under rollback; an
// event the chain cannot express fails a rollback job whole (nothing sent)
// and, under proceed, only itself, with its reason.
func TestCaptureRefusals(t *testing.T) {
	n := testnode.Start(t, "capture-refusals")
	imp, _ := captureParties(t, n)
	a := startCapture(t, n, imp, "capture-importer", t.TempDir())

	for name, tok := range map[string]string{"none": "", "wrong": "not-the-token-at-all"} {
		res, body := a.do(t, "POST", "/capture", tok, nil, document())
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "SecurityException") {
			t.Errorf("%s token: %d %s", name, res.StatusCode, body)
		}
	}
	res, body := a.do(t, "POST", "/capture", captureToken, nil, []byte(`{"type":"EPCISDocument",`))
	if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), "ValidationException") {
		t.Errorf("broken JSON: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, _ = a.do(t, "OPTIONS", "/capture", captureToken, nil, nil)
	if res.StatusCode != http.StatusNoContent || res.Header.Get("GS1-EPCIS-Capture-Limit") == "" || res.Header.Get("GS1-Capture-Error-Behaviour") != "all" || res.Header.Get("Coldtrace-Rollback-Capture-Limit") != "100" {
		t.Errorf("OPTIONS: %d %v", res.StatusCode, res.Header)
	}

	good := func(lot string) map[string]any {
		return ev("ObjectEvent", "commissioning", map[string]any{"action": "ADD", "quantityList": []any{map[string]any{"epcClass": "https://id.gs1.org/01/09521234543213/10/" + lot, "quantity": json.Number("1"), "uom": "KGM"}},
			"ilmd": map[string]any{"cbvmda:lotNumber": lot, "cbvmda:countryOfOrigin": "CN", "ct:productName": "Frozen hairtail", "ct:category": "frozen fish",
				"ct:productionDate": "2026-06-01", "ct:shelfLifeDays": json.Number("540")}})
	}
	var many []map[string]any
	for i := 0; i < 101; i++ {
		many = append(many, good("R-1"))
	}
	res, body = a.do(t, "POST", "/capture", captureToken, nil, document(many...))
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "max_msgs_per_tx") {
		t.Errorf("101 events under rollback: %d %s", res.StatusCode, body)
	}

	bad := ev("ObjectEvent", "destroying", map[string]any{"action": "DELETE", "epcList": []any{pallet}})
	j := a.post(t, document(good("R-2"), bad), capture.Rollback)
	if j.Success || j.Events[0].Status != capture.StatusNotRecorded || j.Events[0].TxHash != "" || j.Events[1].Status != capture.StatusNotRecorded || !strings.Contains(j.Events[1].Reason, "destroying") {
		t.Errorf("rollback with an event the chain cannot express: %+v %+v", j.Events[0], j.Events[1])
	}
	j = a.post(t, document(good("R-3"), bad, good("R-3")), capture.Proceed)
	if j.Success || j.Events[0].Status != capture.StatusCommitted || j.Events[1].Status != capture.StatusNotRecorded {
		t.Fatalf("proceed: %+v %+v", j.Events[0], j.Events[1])
	}
	// The third commissions the same lot code again: the chain refuses it, with its code.
	if r := j.Events[2]; r.Status != capture.StatusRefused || r.Code == 0 || r.Log == "" || r.TxHash == "" {
		t.Errorf("a refused tx's result: %+v", r)
	}
	if len(j.Errors) != 2 {
		t.Errorf("errors: %+v", j.Errors)
	}
}

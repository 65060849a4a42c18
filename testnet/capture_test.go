package testnet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/capture"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/export"
	"github.com/coldtrace/coldtrace/export/epcisschema"
	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

const captureToken = "capture-test-token-0123456789"

// captureServer is one enterprise's capture interface on a real node, with
// the query interface behind it.
type captureServer struct {
	h   *capture.Handler
	srv *httptest.Server
	dir string
}

func startCapture(t *testing.T, n *testnode.Node, uscc, name string, dir string) *captureServer {
	t.Helper()
	key := testKey(name)
	chainID, err := n.Client.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	q := capture.QueryHandler(capture.QueryConfig{Reader: &capture.VerifiedReader{C: n.Client, Trust: client.Trust{Genesis: n.Genesis}}, ChainID: n.Client.ChainID})
	h, err := capture.New(capture.Config{Enterprise: uscc, Chain: &capture.NodeChain{C: n.Client}, Sender: n.Client.Signer(key),
		TxSize: capture.TxSizer(key, chainID), JobsDir: dir, Token: captureToken, Query: q})
	if err != nil {
		t.Fatal(err)
	}
	s := &captureServer{h: h, srv: httptest.NewServer(h), dir: dir}
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *captureServer) stop() {
	s.srv.Close()
	s.h.Close()
}

func (s *captureServer) do(t *testing.T, method, path, token string, hdr map[string]string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	return res, buf.Bytes()
}

// post captures a document and waits for its job to finish.
func (s *captureServer) post(t *testing.T, doc []byte, behaviour string) *capture.Job {
	t.Helper()
	res, body := s.do(t, "POST", "/capture", captureToken, map[string]string{"GS1-Capture-Error-Behaviour": behaviour, "Content-Type": "application/ld+json"}, doc)
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /capture: %d %s", res.StatusCode, body)
	}
	loc := res.Header.Get("Location")
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, body := s.do(t, "GET", loc, captureToken, nil, nil)
		j := &capture.Job{}
		if err := json.Unmarshal(body, j); err != nil {
			t.Fatalf("GET %s: %v: %s", loc, err, body)
		}
		if !j.Running {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running: %s", loc, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func document(events ...map[string]any) []byte {
	doc := map[string]any{
		"@context": []any{export.EPCISContext, map[string]any{"ct": export.ExtensionNamespace}},
		"type":     "EPCISDocument", "schemaVersion": "2.0", "creationDate": time.Now().UTC().Format(time.RFC3339),
		"epcisBody": map[string]any{"eventList": events},
	}
	b, _ := json.Marshal(doc)
	return b
}

// captureParties registers an importer and a supermarket.
func captureParties(t *testing.T, n *testnode.Node) (imp, shop string) {
	t.Helper()
	ctx := context.Background()
	city := testKey("capture-city")
	imp, shop = mkUSCC("91330100MA2CAPTA1"), mkUSCC("91330106MA2CAPTB1")
	if _, err := n.Client.Send(ctx, n.Root, &types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{pub(city)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.Send(ctx, city,
		&types.MsgRegisterEnterprise{Uscc: imp, Name: "Importer", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, Division: "330100", Keys: [][]byte{pub(testKey("capture-importer"))}},
		&types.MsgRegisterEnterprise{Uscc: shop, Name: "Shop", Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, Division: "330100", Keys: [][]byte{pub(testKey("capture-shop"))}}); err != nil {
		t.Fatal(err)
	}
	return imp, shop
}

const (
	base     = export.DefaultDigitalLinkBase
	lotClass = "https://id.gs1.org/01/09521234543213/10/CAP-1"
	pallet   = base + "/00/095212345000000018"
)

func site(u string) map[string]any { return map[string]any{"id": base + "/location/" + u} }

func parties(kind, from string) []any {
	key := kind[:len(kind)-4] // sourceList → source
	return []any{map[string]any{"type": "owning_party", key: base + "/party/" + from}, map[string]any{"type": "location", key: base + "/location/" + from}}
}

func kg(n string) []any {
	return []any{map[string]any{"epcClass": lotClass, "quantity": json.Number(n), "uom": "KGM"}}
}

func ev(typ, step string, fields map[string]any) map[string]any {
	e := map[string]any{"type": typ, "eventTime": time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"), "eventTimeZoneOffset": "+08:00", "bizStep": step}
	for k, v := range fields {
		e[k] = v
	}
	return e
}

// TestCaptureRoundTrip: on a real node an importer captures commissioning,
// packing and shipping (rollback: one tx), a supermarket captures
// receiving, unpacking and selling (proceed: a tx each); querying the lot
// gives every event back, equal field for field after CBV 2.0
// normalisation but for what the chain derives, in a document GS1's schema
// accepts. A restart of the capture server keeps the job results.
func TestCaptureRoundTrip(t *testing.T) {
	schema := epcisschema.ForTest(t)
	n := testnode.Start(t, "capture-e2e")
	imp, shop := captureParties(t, n)
	a := startCapture(t, n, imp, "capture-importer", t.TempDir())
	b := startCapture(t, n, shop, "capture-shop", t.TempDir())

	commission := ev("ObjectEvent", "commissioning", map[string]any{"action": "ADD", "disposition": "active",
		"readPoint": site(imp), "bizLocation": site(imp), "quantityList": kg("20"),
		"ilmd": map[string]any{"cbvmda:lotNumber": "CAP-1", "cbvmda:countryOfOrigin": "CN", "cbvmda:itemExpirationDate": "2027-11-23",
			"ct:batch": imp + "/CAP-1", "ct:productName": "Frozen hairtail", "ct:category": "frozen fish", "ct:productionDate": "2026-06-01",
			"ct:shelfLifeDays": json.Number("540"), "ct:storageTemperature": map[string]any{"ct:minValue": json.Number("-30"), "ct:maxValue": json.Number("-18"), "ct:uom": "CEL"}}})
	pack := ev("AggregationEvent", "packing", map[string]any{"action": "ADD", "disposition": "in_progress", "parentID": pallet,
		"childQuantityList": kg("5"), "readPoint": site(imp), "bizLocation": site(imp)})
	ship := ev("ObjectEvent", "shipping", map[string]any{"action": "OBSERVE", "disposition": "in_transit", "epcList": []any{pallet},
		"readPoint": site(imp), "sourceList": parties("sourceList", imp), "destinationList": parties("destinationList", shop), "ct:deliveryNote": "DN-7"})
	j := a.post(t, document(commission, pack, ship), capture.Rollback)
	if !j.Success || len(j.Events) != 3 {
		t.Fatalf("importer's job: %+v", j)
	}
	for _, r := range j.Events {
		if r.Status != capture.StatusCommitted || r.Height == 0 || r.TxHash != j.Events[0].TxHash {
			t.Fatalf("rollback: every event in one committed tx, got %+v", r)
		}
	}
	consignment := j.Events[2].Consignment
	if !strings.HasPrefix(consignment, base+"/consignment/") {
		t.Fatalf("shipping result names no consignment: %+v", j.Events[2])
	}

	receive := ev("ObjectEvent", "receiving", map[string]any{"action": "OBSERVE", "disposition": "in_progress", "epcList": []any{pallet},
		"readPoint": site(shop), "bizLocation": site(shop), "sourceList": parties("sourceList", imp), "destinationList": parties("destinationList", shop),
		"bizTransactionList": []any{map[string]any{"type": "desadv", "bizTransaction": consignment}}})
	unpack := ev("AggregationEvent", "unpacking", map[string]any{"action": "DELETE", "parentID": pallet, "childQuantityList": kg("5"),
		"readPoint": site(shop), "bizLocation": site(shop)})
	sell := ev("ObjectEvent", "retail_selling", map[string]any{"action": "OBSERVE", "disposition": "retail_sold", "quantityList": kg("2.000"),
		"readPoint": site(shop), "bizLocation": site(shop), "ct:saleKind": "retail"})
	jb := b.post(t, document(receive, unpack, sell), capture.Proceed)
	if !jb.Success {
		t.Fatalf("shop's job: %+v", jb)
	}
	hashes := map[string]bool{}
	for _, r := range jb.Events {
		if r.Status != capture.StatusCommitted {
			t.Fatalf("proceed: %+v", r)
		}
		hashes[r.TxHash] = true
	}
	if len(hashes) != 3 {
		t.Fatalf("proceed sends a tx per event, got %d txs", len(hashes))
	}
	// A verified answer describes a height whose app hash a later header
	// carries: wait until the last event's height is behind the newest.
	waitHeight(t, n.Client, jb.Events[2].Height, 20*time.Second)

	// Query the lot back (a page of 3, then the rest), and the pallet.
	res, body := a.do(t, "GET", "/epcis/events?perPage=3&MATCH_epcClass="+url.QueryEscape(lotClass), captureToken, nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("query: %d %s", res.StatusCode, body)
	}
	if err := schema.Validate(body); err != nil {
		t.Fatal(err)
	}
	got := queryEvents(t, body)
	link := res.Header.Get("Link")
	if len(got) != 3 || !strings.Contains(link, `rel="next"`) {
		t.Fatalf("first page: %d events, Link %q: %s", len(got), link, body)
	}
	next := link[strings.Index(link, "<")+1 : strings.Index(link, ">")]
	res, body = a.do(t, "GET", next, captureToken, nil, nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Link") != "" {
		t.Fatalf("second page: %d %s", res.StatusCode, res.Header.Get("Link"))
	}
	got = append(got, queryEvents(t, body)...)
	if len(got) != 4 {
		t.Fatalf("the lot has %d events, want commissioning, packing, unpacking, selling", len(got))
	}
	res, body = a.do(t, "GET", "/epcis/epcs/"+url.PathEscape(pallet)+"/events", captureToken, nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("EPC query: %d %s", res.StatusCode, body)
	}
	if err := schema.Validate(body); err != nil {
		t.Fatal(err)
	}
	got = append(got, queryEvents(t, body)...)
	byStep := map[string]map[string]any{}
	for _, e := range got {
		byStep[e["bizStep"].(string)] = e
	}
	want := []map[string]any{commission, pack, ship, receive, unpack, sell}
	if len(byStep) != len(want) {
		t.Fatalf("the queries give %d distinct steps, want %d", len(byStep), len(want))
	}
	for i, w := range want {
		compareCaptured(t, i, w, byStep[w["bizStep"].(string)])
	}
	res, body = a.do(t, "GET", "/epcis/epcs/"+url.PathEscape(pallet)+"/events?EQ_bizStep=shipping", captureToken, nil, nil)
	if ev := queryEvents(t, body); res.StatusCode != http.StatusOK || len(ev) != 1 || ev[0]["bizStep"] != "shipping" {
		t.Fatalf("filtered EPC query: %d %s", res.StatusCode, body)
	}
	// The lot named as an EPC class URN gives the same four events.
	res, body = a.do(t, "GET", "/epcis/events?MATCH_epcClass="+url.QueryEscape("urn:epc:class:lgtin:9521234.054321.CAP-1"), captureToken, nil, nil)
	if ev := queryEvents(t, body); res.StatusCode != http.StatusOK || len(ev) != 4 {
		t.Fatalf("class URN query: %d %s", res.StatusCode, body)
	}
	res, body = a.do(t, "GET", "/epcis/epcs/"+url.PathEscape(pallet)+"/events?EQ_bizStep=shipping", captureToken, nil, nil)
	if ev := queryEvents(t, body); res.StatusCode != http.StatusOK || len(ev) != 1 || ev[0]["bizStep"] != "shipping" {
		t.Fatalf("filtered EPC query: %d %s", res.StatusCode, body)
	}
	// The gateway answers the same query with the same events.
	gw, err := gateway.New(gateway.Config{Listen: "127.0.0.1:0", ConsoleListen: gateway.ConsoleOff, NodeRPC: n.RPC,
		Trust: client.Trust{Genesis: n.Genesis}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Shutdown(context.Background()) })
	gres, err := http.Get(gw.URL() + "/epcis/epcs/" + url.PathEscape(pallet) + "/events")
	if err != nil {
		t.Fatal(err)
	}
	gbody, _ := io.ReadAll(gres.Body)
	gres.Body.Close()
	if gres.StatusCode != http.StatusOK {
		t.Fatalf("gateway: %d %s", gres.StatusCode, gbody)
	}
	if err := schema.Validate(gbody); err != nil {
		t.Fatal(err)
	}
	_, body = a.do(t, "GET", "/epcis/epcs/"+url.PathEscape(pallet)+"/events", captureToken, nil, nil)
	if g, c := queryEvents(t, gbody), queryEvents(t, body); !reflect.DeepEqual(g, c) || len(g) != 4 {
		t.Fatalf("the gateway's %d events differ from the capture server's %d", len(g), len(c))
	}

	// A code the chain does not have: no events by MATCH_epc, 404 as a resource.
	unknown := base + "/01/09521234543213/10/NONE/21/1"
	res, body = a.do(t, "GET", "/epcis/events?MATCH_epc="+url.QueryEscape(unknown), captureToken, nil, nil)
	if ev := queryEvents(t, body); res.StatusCode != http.StatusOK || len(ev) != 0 {
		t.Fatalf("unknown code: %d %s", res.StatusCode, body)
	}
	res, body = a.do(t, "GET", "/epcis/epcs/"+url.PathEscape(unknown)+"/events", captureToken, nil, nil)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown code as a resource: %d %s", res.StatusCode, body)
	}

	// No anchor: refused with the reason.
	res, body = a.do(t, "GET", "/epcis/events?EQ_bizStep=shipping", captureToken, nil, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "MATCH_epc") {
		t.Fatalf("unanchored query: %d %s", res.StatusCode, body)
	}

	// The shop declares its sale erroneous: the queried event, repeated
	// with an errorDeclaration, as EPCIS writes one.
	sold := byStep["retail_selling"]
	decl := map[string]any{}
	for k, v := range sold {
		decl[k] = v
	}
	decl["errorDeclaration"] = map[string]any{"declarationTime": time.Now().UTC().Format(time.RFC3339), "reason": "incorrect_data"}
	decl["ct:correctionNote"] = "sold 1.5 kg, not 2"
	jc := b.post(t, document(decl), capture.Rollback)
	if !jc.Success || jc.Events[0].Message != "correct" || jc.Events[0].Status != capture.StatusCommitted {
		t.Fatalf("correction: %+v", jc.Events[0])
	}
	waitHeight(t, n.Client, jc.Events[0].Height, 20*time.Second)
	_, body = a.do(t, "GET", "/epcis/events?EQ_bizStep=retail_selling&MATCH_epcClass="+url.QueryEscape(lotClass), captureToken, nil, nil)
	if err := schema.Validate(body); err != nil {
		t.Fatal(err)
	}
	var declared map[string]any
	for _, e := range queryEvents(t, body) {
		if e["errorDeclaration"] != nil {
			declared = e
		}
	}
	if declared == nil || declared["eventID"] != sold["eventID"] || declared["ct:correctionNote"] != "sold 1.5 kg, not 2" {
		t.Fatalf("the query shows no error declaration of the sale: %s", body)
	}

	// A restart keeps the jobs.
	before, _ := json.Marshal(j)
	a.stop()
	a2 := startCapture(t, n, imp, "capture-importer", a.dir)
	_, body = a2.do(t, "GET", "/capture/"+j.CaptureID, captureToken, nil, nil)
	after := &capture.Job{}
	if err := json.Unmarshal(body, after); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(after); string(b) != string(before) {
		t.Fatalf("after a restart the job reads\n%s\nwas\n%s", b, before)
	}
}

func queryEvents(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	d, err := export.ReadDocument(body)
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return d.Events
}

// chainAdded are the fields the chain writes that a capture need not carry.
var chainAdded = []string{"eventID", "ct:message", "ct:chainEventHash"}

// compareCaptured: a queried event equals the captured one after
// normalisation, but for eventTime (the block's) and what the chain adds.
func compareCaptured(t *testing.T, i int, sent, got map[string]any) {
	t.Helper()
	s, g := export.NormaliseEvent(sent), export.NormaliseEvent(got)
	st, _ := time.Parse(time.RFC3339Nano, sent["eventTime"].(string))
	gt, err := time.Parse(time.RFC3339Nano, got["eventTime"].(string))
	if err != nil || gt.Before(st) || gt.After(st.Add(export.DefaultMaxEventAge)) {
		t.Errorf("event %d: recorded at %v, captured at %v", i, got["eventTime"], sent["eventTime"])
	}
	delete(s, "eventTime")
	delete(g, "eventTime")
	for _, k := range chainAdded {
		delete(g, k)
	}
	if sent["bizStep"] == "shipping" {
		delete(g, "bizTransactionList") // the consignment the chain numbers
	}
	// What the chain works out, when the capture left it out: the batch
	// id and the expiry a shelf life gives, and whether a reading is an
	// excursion.
	si, _ := s["ilmd"].(map[string]any)
	gi, _ := g["ilmd"].(map[string]any)
	for _, k := range []string{"ct:batch", "cbvmda:itemExpirationDate"} {
		if _, ok := si[k]; !ok && gi != nil {
			delete(gi, k)
		}
	}
	if _, ok := s["ct:excursion"]; !ok {
		delete(g, "ct:excursion")
	}
	if !reflect.DeepEqual(s, g) {
		sb, _ := json.MarshalIndent(s, "", " ")
		gb, _ := json.MarshalIndent(g, "", " ")
		t.Errorf("event %d differs:\ncaptured %s\nqueried  %s", i, sb, gb)
	}
}

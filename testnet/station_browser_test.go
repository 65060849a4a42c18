package testnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// stationWorld is a real node with an importer that dispatched cartons to
// a shop, and a gateway serving the scan station.
type stationWorld struct {
	n               *testnode.Node
	c               *client.Client
	gw              *gateway.Server
	imp, shop       ed25519.PrivateKey
	impU, shopU     string
	consignment     string // hex, the importer's dispatch to the shop of cartons 0 to 3
	consignment2    string // and of carton 5
	codes           []string
	regulator       ed25519.PrivateKey
	regulatorDivHex string
}

func stationCode(i int) string { return fmt.Sprintf("/01/09521234543213/10/ST-2026-11/21/%04d", i) }

func startStationWorld(t *testing.T, o testnode.Options, gcfg func(*gateway.Config)) *stationWorld {
	t.Helper()
	n := testnode.StartWith(t, o)
	c := n.Client
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &stationWorld{n: n, c: c, imp: testKey("station importer"), shop: testKey("station shop"),
		impU: mkUSCC("91330100MA2HHHH01"), shopU: mkUSCC("91330106MA2KKKK02")}
	must := func(res *client.TxResult, err error) *client.TxResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	must(c.Send(ctx, n.Root,
		&types.MsgRegisterEnterprise{Uscc: w.impU, Name: "西湖水产进口有限公司", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, Division: "330100", Keys: [][]byte{pub(w.imp)}},
		&types.MsgRegisterEnterprise{Uscc: w.shopU, Name: "西湖超市", Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, Division: "330106", Keys: [][]byte{pub(w.shop)}}))
	facts := &types.ProductFacts{Name: "冷冻带鱼 Frozen hairtail", Category: "frozen fish", OriginCountry: "CN",
		ProductionDate: "2026-06-01", ShelfLifeDays: 540, TempMinCenti: -3000, TempMaxCenti: -1800}
	com := &types.MsgCommission{Batch: "ST-2026-11", Facts: facts}
	d := &types.MsgDispatch{Buyer: w.shopU}
	for i := 0; i < 6; i++ { // 4 and 5 stay with the importer
		w.codes = append(w.codes, stationCode(i))
		com.Codes = append(com.Codes, &types.NewCode{Code: stationCode(i), Quantity: 10_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
		if i < 4 {
			d.Items = append(d.Items, &types.CodeQuantity{Code: stationCode(i), Quantity: 10_000})
		}
	}
	must(c.Send(ctx, w.imp, com))
	con := must(c.Send(ctx, w.imp, d))
	w.consignment = strings.ToUpper(hex.EncodeToString(mustHex(t, eventValue(t, con, "dispatch", "consignment"))))
	con2 := must(c.Send(ctx, w.imp, &types.MsgDispatch{Buyer: w.shopU, Items: []*types.CodeQuantity{{Code: stationCode(5), Quantity: 10_000}}}))
	w.consignment2 = strings.ToUpper(hex.EncodeToString(mustHex(t, eventValue(t, con2, "dispatch", "consignment"))))
	cfg := gateway.Config{Listen: "127.0.0.1:0", ConsoleListen: gateway.ConsoleOff, NodeRPC: n.RPC,
		Trust: client.Trust{Genesis: n.Genesis}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if gcfg != nil {
		gcfg(&cfg)
	}
	gw, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Shutdown(context.Background()) })
	w.gw = gw
	return w
}

// enrol makes the page's key and adds it to the shop with the shop's
// enrolled key, as `coldtrace tx registry add-key` does; it returns the
// device's public key.
func (w *stationWorld) enrol(t *testing.T, p *page, owner string, ownerKind types.OwnerKind, by ed25519.PrivateKey) string {
	t.Helper()
	p.waitFor("the enrol button", `document.getElementById("enrol-create")`, 20*time.Second)
	p.mustEval(`document.getElementById("enrol-create").click()`, nil)
	p.waitFor("the device's public key", `document.getElementById("pubkey")`, 20*time.Second)
	var pubHex, kind string
	p.mustEval(`document.getElementById("pubkey").textContent`, &pubHex)
	p.mustEval(`(async () => { const r = await new Promise((ok, bad) => { const q = indexedDB.open("coldtrace-station"); q.onsuccess = () => { const g = q.result.transaction("keys").objectStore("keys").get("device"); g.onsuccess = () => ok(g.result); g.onerror = bad; }; q.onerror = bad; }); return r.kind + ":" + r.privateKey.extractable; })()`, &kind)
	if kind != "webcrypto:false" {
		t.Fatalf("the device key is %q, want a non-extractable WebCrypto key (webcrypto:false)", kind)
	}
	key, err := hex.DecodeString(pubHex)
	if err != nil || len(key) != 32 {
		t.Fatalf("the page shows public key %q", pubHex)
	}
	var qrOK bool
	p.mustEval(`(async () => { const img = document.getElementById("pubkey-qr"); await img.decode(); return img.naturalWidth > 100; })()`, &qrOK)
	if !qrOK {
		t.Fatal("the public key's QR image does not load")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := w.c.Send(ctx, by, &types.MsgAddKey{OwnerKind: ownerKind, OwnerId: owner, Key: key, Label: "phone"}); err != nil {
		t.Fatal(err)
	}
	p.mustEval(`document.getElementById("enrol-check").click()`, nil)
	p.waitFor("enrolment shown", `document.getElementById("enrol-status").textContent.includes("`+owner+`")`, 20*time.Second)
	return pubHex
}

func (w *stationWorld) record(t *testing.T, code string) *types.CodeRecord {
	t.Helper()
	rec := &types.CodeRecord{}
	if _, err := w.c.QueryInto(context.Background(), "/trace/code?code="+url.QueryEscape(code), rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func sold(rec *types.CodeRecord) uint64 { return rec.Sold }

// typeScan types a scanner's string into the scan box, key by key as a
// keyboard-wedge scanner does, GS included, and presses Enter.
func typeScan(t *testing.T, p *page, s string) {
	t.Helper()
	p.mustEval(`document.getElementById("scan-input").focus()`, nil)
	p.must("Input.insertText", map[string]any{"text": s})
	p.must("Input.dispatchKeyEvent", map[string]any{"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})
	p.must("Input.dispatchKeyEvent", map[string]any{"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})
}

func (p *page) setOffline(off bool) {
	p.must("Network.emulateNetworkConditions", map[string]any{"offline": off, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
}

// waitQueue waits until the queue item id has the status.
func waitQueue(t *testing.T, p *page, id int, status string, within time.Duration) {
	t.Helper()
	p.waitFor(fmt.Sprintf("action #%d %s", id, status), fmt.Sprintf(`document.querySelector('.q-item[data-id="%d"][data-status="%s"]')`, id, status), within)
}

// TestStationBrowser runs the scan station in headless Chromium against a
// real node: a phone enrols its own key, receives an inbound consignment in
// one tap, sells what a hardware scanner typed, and keeps working offline —
// the queue survives the page being closed, and when the network returns
// it is sent in order: a refused action stops the one that depended on it,
// and an independent one is signed again and committed with its scan time.
func TestStationBrowser(t *testing.T) {
	needChromium(t)
	w := startStationWorld(t, testnode.Options{ChainID: "station-browser", NoMetrics: true}, nil)
	b := startBrowser(t)
	p := b.open(w.gw.URL() + "/scan")
	p.waitFor("the page's script", `document.body.dataset.ready === "1"`, 20*time.Second)
	var title string
	p.mustEval(`document.getElementById("title").textContent`, &title)
	if title != "扫码工作站" {
		t.Fatalf("the page's title is %q, want Chinese by default", title)
	}
	w.enrol(t, p, w.shopU, types.OwnerKind_OWNER_KIND_ENTERPRISE, w.shop)

	// Receive in one tap.
	p.waitFor("the inbound consignment", fmt.Sprintf(`document.querySelector('.consignment[data-id="%s"] .receive-all')`, w.consignment), 20*time.Second)
	p.mustEval(fmt.Sprintf(`document.querySelector('.consignment[data-id="%s"] .receive-all').click()`, w.consignment), nil)
	waitQueue(t, p, 1, "committed", 30*time.Second)
	con := &types.Consignment{}
	if _, err := w.c.QueryInto(context.Background(), "/trace/consignment/"+w.consignment, con); err != nil {
		t.Fatal(err)
	}
	if !con.Received || len(con.ReceivedItems) != 4 {
		t.Fatalf("after the tap the consignment is received=%v with %d items, want received with 4", con.Received, len(con.ReceivedItems))
	}

	// A hardware scanner types carton 0's DataMatrix string, GS included.
	typeScan(t, p, "]d2010952123454321317280630"+"10ST-2026-11\x1d210000")
	p.waitFor("the code's verified status", `document.getElementById("work-status")`, 20*time.Second)
	var status, held string
	p.mustEval(`document.getElementById("work-status").dataset.status`, &status)
	p.mustEval(`document.getElementById("work-held").textContent`, &held)
	if status != "active" || !strings.Contains(held, "10000") {
		t.Fatalf("scanned carton 0: status %q, %q; want active and 10000 g held", status, held)
	}
	var code string
	p.mustEval(`document.getElementById("work-code").textContent`, &code)
	if code != stationCode(0) {
		t.Fatalf("the scanner's string reads as %q, want %q", code, stationCode(0))
	}
	p.mustEval(`document.getElementById("qty").value = "500"; document.getElementById("act-sell").click()`, nil)
	waitQueue(t, p, 2, "committed", 30*time.Second)
	if got := sold(w.record(t, stationCode(0))); got != 500 {
		t.Fatalf("carton 0 sold %d g on chain, want 500", got)
	}

	// Offline: three sales are signed and queued.
	p.waitFor("the page to be kept for offline use", `document.body.dataset.offlineReady === "1" && navigator.serviceWorker.controller`, 20*time.Second)
	p.setOffline(true)
	p.waitFor("the page to see it is offline", `!navigator.onLine`, 10*time.Second)
	sellAt := func(scan, qty string) {
		t.Helper()
		p.mustEval(`document.getElementById("work").replaceChildren()`, nil)
		typeScan(t, p, scan)
		p.waitFor("the work panel for "+scan, `document.getElementById("qty") && document.getElementById("act-sell")`, 10*time.Second)
		p.mustEval(`document.getElementById("qty").value = "`+qty+`"; document.getElementById("act-sell").click()`, nil)
	}
	sellAt("(01)09521234543213(10)ST-2026-11(21)0001", "99999999") // more than held: refused
	waitQueue(t, p, 3, "pending", 10*time.Second)
	sellAt("https://id.example.com/01/09521234543213/10/ST-2026-11/21/0001", "100") // depends on #3
	waitQueue(t, p, 4, "pending", 10*time.Second)
	sellAt("/01/09521234543213/10/ST-2026-11/21/0002", "700") // independent
	waitQueue(t, p, 5, "pending", 10*time.Second)
	scanned := time.Now()

	// The page is closed and opened again, still offline: nothing is lost.
	p.close()
	time.Sleep(12 * time.Second) // older than a fresh scan: the queued txs keep their signed scan time
	p = b.openWith(w.gw.URL()+"/scan", func(p *page) { p.setOffline(true) })
	p.waitFor("the page's script", `document.body.dataset.ready === "1"`, 20*time.Second)
	for id := 3; id <= 5; id++ {
		waitQueue(t, p, id, "pending", 10*time.Second)
	}
	if rec := w.record(t, stationCode(2)); rec.Sold != 0 {
		t.Fatalf("carton 2 sold %d g while the phone was offline", rec.Sold)
	}

	// The network returns.
	p.setOffline(false)
	waitQueue(t, p, 3, "refused", 30*time.Second)
	waitQueue(t, p, 4, "stopped", 30*time.Second)
	waitQueue(t, p, 5, "committed", 30*time.Second)
	var refusal string
	p.mustEval(`document.querySelector('.q-item[data-id="3"] .refusal').textContent`, &refusal)
	if !strings.Contains(refusal, "29") || !strings.Contains(refusal, "持有数量不足") {
		t.Fatalf("the refusal reads %q, want code 29 and what to do in Chinese", refusal)
	}
	var stopped string
	p.mustEval(`document.querySelector('.q-item[data-id="4"]').textContent`, &stopped)
	if !strings.Contains(stopped, "#3") {
		t.Fatalf("the stopped action reads %q, want it to name #3", stopped)
	}
	if got := w.record(t, stationCode(1)).Sold; got != 0 {
		t.Fatalf("carton 1 sold %d g: the refused sale and the one after it must both be off chain", got)
	}
	if got := w.record(t, stationCode(2)).Sold; got != 700 {
		t.Fatalf("carton 2 sold %d g, want the independent queued 700", got)
	}
	h := &types.HistoryPage{}
	if _, err := w.c.QueryInto(context.Background(), "/trace/history?code="+url.QueryEscape(stationCode(2)), h); err != nil {
		t.Fatal(err)
	}
	last := h.Events[len(h.Events)-1]
	et := time.UnixMilli(last.EventTimeMs)
	if last.BizStep != "retail_selling" || last.EventTimeMs == 0 || et.After(scanned) || scanned.Sub(et) > 30*time.Second || last.TimeMs-last.EventTimeMs < 10_000 {
		t.Fatalf("the offline sale's event: step %s, scanned at %v, block time %v; want its signed scan time, before the block's by the time offline",
			last.BizStep, et, time.UnixMilli(last.TimeMs))
	}

	// Split carton 3 into two packs; their labels are offered.
	p.mustEval(`document.getElementById("work").replaceChildren()`, nil)
	typeScan(t, p, stationCode(3))
	p.waitFor("the split field", `document.getElementById("split-children")`, 20*time.Second)
	p.mustEval(`document.getElementById("split-children").value = "2000, 3000"; document.getElementById("act-split").click()`, nil)
	waitQueue(t, p, 6, "committed", 30*time.Second)
	p.waitFor("the children's labels", `document.querySelectorAll('.q-item[data-id="6"] .child-label').length === 2`, 20*time.Second)
	var child string
	p.mustEval(`document.querySelector('.q-item[data-id="6"] .child-label').dataset.code`, &child)
	if crec := w.record(t, child); crec.Parent != stationCode(3) || crec.Commissioned != 2000 {
		t.Fatalf("the first child %s: parent %s, %d g; want %s, 2000 g", child, crec.Parent, crec.Commissioned, stationCode(3))
	}
	var labelOK bool
	p.mustEval(`(async () => { const r = await fetch(document.querySelector('.q-item[data-id="6"] .child-label').getAttribute("href")); return r.ok && r.headers.get("Content-Type") === "image/png"; })()`, &labelOK)
	if !labelOK {
		t.Fatal("the child's label does not load as a PNG")
	}

	// The second consignment arrives 500 g short: the shortfall is recorded.
	sel := fmt.Sprintf(`.consignment[data-id="%s"]`, w.consignment2)
	p.waitFor("the second consignment", `document.querySelector('`+sel+` .receive-short')`, 20*time.Second)
	p.mustEval(`document.querySelector('`+sel+` input[data-code="`+stationCode(5)+`"]').value = "9500"; document.querySelector('`+sel+` .receive-short').click()`, nil)
	waitQueue(t, p, 7, "committed", 30*time.Second)
	if rec := w.record(t, stationCode(5)); rec.Discrepancy != 500 || len(rec.Holdings) != 1 || rec.Holdings[0].Quantity != 9500 {
		t.Fatalf("carton 5 after the short receipt: discrepancy %d, holdings %v; want 500 and 9500 held", rec.Discrepancy, rec.Holdings)
	}

	// A phone-sized screenshot of the station at work (docs/station.png is
	// one, written when STATION_SCREENSHOT names a file).
	p.mustEval(`document.getElementById("work").replaceChildren(); window.scrollTo(0, 0)`, nil)
	typeScan(t, p, stationCode(2))
	p.waitFor("the work panel", `document.getElementById("work-status")`, 20*time.Second)
	shot := p.must("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
	var img struct{ Data []byte }
	if err := json.Unmarshal(shot, &img); err != nil || !bytes.HasPrefix(img.Data, []byte("\x89PNG")) {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if f := os.Getenv("STATION_SCREENSHOT"); f != "" {
		if err := os.WriteFile(f, img.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The public page shows a scan's own time beside its block's when they
	// differ: goods coded three hours ago and sold two hours ago, both
	// scanned offline and sent now (a scan cannot predate its code).
	sg := w.c.Signer(w.imp)
	sg.EventTime = time.Now().Add(-3 * time.Hour)
	late := &types.MsgCommission{Batch: "ST-2026-11", Codes: []*types.NewCode{{Code: stationCode(9), Quantity: 1_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}
	if _, err := sg.Send(context.Background(), late); err != nil {
		t.Fatal(err)
	}
	sg.EventTime = time.Now().Add(-2 * time.Hour)
	if _, err := sg.Send(context.Background(), &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: stationCode(9), Quantity: 100}}}); err != nil {
		t.Fatal(err)
	}
	want := "scanned at " + sg.EventTime.In(types.China).Format("2006-01-02 15:04") + " (recorded at block time "
	var body []byte
	// The gateway shows what it can verify: the block after the sale's.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		resp, err := http.Get(w.gw.URL() + stationCode(9) + "?lang=en")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), want) {
			break
		}
	}
	var hist struct {
		Events []struct {
			Step      string     `json:"step"`
			Time      time.Time  `json:"time"`
			ScannedAt *time.Time `json:"scanned_at"`
		} `json:"events"`
	}
	if resp, err := http.Get(w.gw.URL() + "/api/v1/history?code=" + url.QueryEscape(stationCode(9))); err == nil {
		json.NewDecoder(resp.Body).Decode(&hist)
		resp.Body.Close()
	}
	if n := len(hist.Events); n == 0 || hist.Events[n-1].ScannedAt == nil || !hist.Events[n-1].ScannedAt.Equal(time.UnixMilli(sg.EventTime.UnixMilli())) {
		t.Fatalf("the history API's last event lacks its scan time %v: %+v", sg.EventTime, hist.Events)
	}
	if !strings.Contains(string(body), want) {
		i := strings.Index(string(body), `id="timeline"`)
		t.Fatalf("the code page lacks %q:\n%s", want, clip(string(body[max(i, 0):]), 3000))
	}
}

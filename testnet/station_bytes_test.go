package testnet

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/station"
	"github.com/coldtrace/coldtrace/types"
)

// stationPage serves the station's page and script alone (no node: the
// page sees itself offline) and opens it in Chromium.
func stationPage(t *testing.T) *page {
	t.Helper()
	needChromium(t)
	st, err := station.New(station.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: st.Handler()}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	p := startBrowser(t).open("http://" + l.Addr().String() + "/scan")
	p.waitFor("the page's script", `window.coldtraceStation`, 20*time.Second)
	return p
}

// TestStationTxBytesEqualGo proves the browser encodes and signs a tx byte
// for byte as the Go client does (client.SignBody): the same messages,
// sequence, memo and event time give the same tx, with the key in WebCrypto
// and with @noble/ed25519.
func TestStationTxBytesEqualGo(t *testing.T) {
	p := stationPage(t)
	seed := sha256.Sum256([]byte("station bytes"))
	key := ed25519.NewKeyFromSeed(seed[:])
	con, _ := hex.DecodeString("0AF3C2B1E5D4A3928172635445362718F0E1D2C3B4A5968778695A4B3C2D1E0F")
	c0, c1 := stationCode(0), "/c/CT-91330106MA2KKKK02Y-12-Q"
	type tcase struct {
		name    string
		actions string // the station's actions, as JSON
		msgs    []*types.Msg
		seq     uint64
		memo    string
		event   int64
	}
	cases := []tcase{
		{"receive with a shortfall", `[{"type":"receive","consignment":"` + hex.EncodeToString(con) + `","items":[{"code":"` + c0 + `","quantity":9700},{"code":"` + c1 + `","quantity":500}],"note":"一箱部分解冻 thawed"}]`,
			[]*types.Msg{types.WrapMsg(&types.MsgReceive{Consignment: con, Received: []*types.CodeQuantity{{Code: c0, Quantity: 9700}, {Code: c1, Quantity: 500}}, Note: "一箱部分解冻 thawed"})}, 0, "", 0},
		{"sell offline", `[{"type":"sell","items":[{"code":"` + c0 + `","quantity":500}]}]`,
			[]*types.Msg{types.WrapMsg(&types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: c0, Quantity: 500}}})}, 7, "", 1764000000123},
		{"consume, large sequence and memo", `[{"type":"sell","consumed":true,"items":[{"code":"` + c1 + `","quantity":1}]}]`,
			[]*types.Msg{types.WrapMsg(&types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: []*types.CodeQuantity{{Code: c1, Quantity: 1}}})}, 1 << 40, "备注 memo", 1},
		{"dispatch", `[{"type":"dispatch","buyer":"91330106MA2KKKK02Y","items":[{"code":"` + c0 + `","quantity":4294967296}],"reference":"DN-1"}]`,
			[]*types.Msg{types.WrapMsg(&types.MsgDispatch{Buyer: "91330106MA2KKKK02Y", Items: []*types.CodeQuantity{{Code: c0, Quantity: 1 << 32}}, Reference: "DN-1"})}, 3, "", 0},
		{"split", `[{"type":"split","parent":"` + c0 + `","children":[500,500,1000]}]`,
			[]*types.Msg{types.WrapMsg(&types.MsgSplit{Parent: c0, Children: []*types.NewCode{{Quantity: 500}, {Quantity: 500}, {Quantity: 1000}}})}, 12, "", 0},
		{"hold and a receive in one tx", `[{"type":"hold","codes":["` + c0 + `","` + c1 + `"],"reason":"外包装破损"},{"type":"receive","consignment":"` + hex.EncodeToString(con) + `","items":[]}]`,
			[]*types.Msg{types.WrapMsg(&types.MsgHold{Codes: []string{c0, c1}, Reason: "外包装破损"}), types.WrapMsg(&types.MsgReceive{Consignment: con})}, 5, "", 1764000000000},
	}
	facts := &types.ProductFacts{}
	if err := protojson.Unmarshal([]byte(stationFacts), facts); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, tcase{"commission from a template", `[{"type":"commission","batch":"ST-2026-12","facts":` + stationFacts + `,"codes":[{"quantity":5000,"unit":1},{"code":"` + c0 + `","quantity":7,"unit":2}]}]`,
		[]*types.Msg{types.WrapMsg(&types.MsgCommission{Batch: "ST-2026-12", Facts: facts, Codes: []*types.NewCode{
			{Quantity: 5000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}, {Code: c0, Quantity: 7, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES}}})}, 9, "", 0})
	for _, tc := range cases {
		body := &types.TxBody{ChainId: "station-bytes", Sequence: tc.seq, Memo: tc.memo, EventTimeMs: tc.event, Messages: tc.msgs}
		want, err := client.SignBody(key, body)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := types.DecodeTx(want, types.Limits{ChainID: "station-bytes", MaxTxBytes: 1 << 16, MaxMsgsPerTx: 10}, true); err != nil {
			t.Fatalf("%s: Go's tx does not decode as the chain does: %v", tc.name, err)
		}
		for _, noble := range []bool{false, true} {
			var got string
			expr := fmt.Sprintf(`(async () => { const S = window.coldtraceStation; const seed = S.hexToBytes(%q);
				const body = S.encodeBody({chainId: "station-bytes", signer: await S.publicFromSeed(seed), sequence: %q, actions: %s, memo: %q, eventTimeMs: %q});
				return S.bytesToHex(await S.signTx(await S.signerFromSeed(seed, %v), body)); })()`,
				hex.EncodeToString(seed[:]), fmt.Sprint(tc.seq), tc.actions, tc.memo, fmt.Sprint(tc.event), noble)
			p.mustEval(expr, &got)
			if got != hex.EncodeToString(want) {
				t.Errorf("%s (noble %v): the browser's tx differs from Go's:\nbrowser %s\nGo      %x", tc.name, noble, got, want)
			}
		}
	}
}

// stationParseVectors are scanner, label and typed spellings of codes.
var stationParseVectors = []string{
	"/01/09521234543213/10/B2026-07/21/0001",
	"https://id.example.com/01/09521234543213/10/B2026-07/21/0001",
	"HTTPS://id.example.com/01/09521234543213/10/B2026-07/21/0001",
	"Https://id.example.com/01/09521234543213/10/B2026-07/21/0001",
	"]Q1https://id.example.com/01/09521234543213/10/B2026-07/21/0001",
	"]d1https://id.example.com/01/09521234543213/10/B2026-07",
	"https://id.example.com/01/09521234543213/10/B2026-07/21/0001?17=280630",
	"https://id.example.com/01/9521234543213/10/B2026-07/21/0001",
	"(01)09521234543213(10)B2026-07(21)0001",
	"(01)09521234543213(10)B2026-07",
	"(01)09521234543214(10)B2026-07(21)0001",
	"(01)09521234543213(21)0001(10)B2026-07",
	"(00)106141411234567897",
	"(00)106141411234567898",
	"/00/106141411234567897",
	"]C1010952123454321310B2026-07\x1d210001",
	"]d2010952123454321310B2026-07\x1d210001\x1d",
	"010952123454321310B2026-07\x1d210001",
	"010952123454321310B2026-07210001",
	"010952123454321310B2026-07\x1d2100011234567890123456789",
	"]C1010952123454321317280630310301000010B2026-07\x1d210001",
	"]E009521234543213",
	"]Q3010952123454321310B1\x1d21S1",
	"]Q30109521234543213",
	"0109521234543213",
	"/c/CT-91330106MA2KKKK02Y-12-Q",
	"CT-91330106MA2KKKK02Y-12-Q",
	"CT-91330106MA2KKKK02Y-12-H",
	"CT-91330106MA2KKKK02Y-012-Q",
	"/01/09521234543213/10/B%2F1/21/1",
	"/01/09521234543213/10/B 1/21/1",
	"/01/09521234543213/10//21/1",
	"(01)09521234543213(10)ABCDEFGHIJKLMNOPQRSTU(21)1",
	"hello",
	"",
	"]Q1(01)09521234543213(10)B1",
}

// TestStationParseAgreesWithGo runs the vectors through the station's
// offline parser in Chromium: every code it reads is the one
// types.ParseCode reads, every spelling it refuses Go refuses, and what it
// leaves to the gateway (/scan/api/parse) is read there by Go itself.
func TestStationParseAgreesWithGo(t *testing.T) {
	p := stationPage(t)
	raw, _ := json.Marshal(stationParseVectors)
	var got []struct {
		Code  string `json:"code"`
		Error string `json:"error"`
		Defer bool   `json:"defer"`
	}
	p.mustEval(`JSON.parse(`+fmt.Sprintf("%q", raw)+`).map((s) => window.coldtraceStation.parseCode(s))`, &got)
	read := 0
	for i, s := range stationParseVectors {
		c, err := types.ParseCode(s)
		g := got[i]
		switch {
		case g.Defer:
		case g.Code != "":
			read++
			if err != nil || c.String() != g.Code {
				t.Errorf("%q: the station reads %s, Go %v %v", s, g.Code, c.String(), err)
			}
		case g.Error != "":
			if err == nil {
				t.Errorf("%q: the station refuses it (%s), Go reads %s", s, g.Error, c.String())
			}
		default:
			t.Errorf("%q: the station answered nothing", s)
		}
	}
	// The spellings a label's QR, a hardware scanner and a person type
	// most are read offline, not only deferred.
	if read < 12 {
		t.Errorf("the station reads %d of %d vectors offline, want the common spellings (at least 12)", read, len(stationParseVectors))
	}
	if strings.Contains(fmt.Sprint(got), "undefined") {
		t.Errorf("unexpected answers: %v", got)
	}
}

package testnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/gateway/station"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// BenchmarkStationScanToCommitted measures what an operator waits for
// between a scan and the chain's answer, on loopback with 500 ms blocks:
// the code's verified status (a signed read), then the signed sale relayed
// through the gateway until its block is committed. docs/PERFORMANCE.md.
//
//	go test -run '^$' -bench StationScanToCommitted -benchtime 20x ./testnet/
func BenchmarkStationScanToCommitted(b *testing.B) {
	n := testnode.StartWith(b, testnode.Options{ChainID: "station-bench", NoMetrics: true, TimeoutCommit: 500 * time.Millisecond})
	ctx := context.Background()
	shop := testKey("bench shop")
	shopU := mkUSCC("91330106MA2KKKK03")
	if _, err := n.Client.Send(ctx, n.Root, &types.MsgRegisterEnterprise{Uscc: shopU, Name: "超市", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER,
		Division: "330106", Keys: [][]byte{pub(shop)}}); err != nil {
		b.Fatal(err)
	}
	code := "/01/09521234543213/10/BENCH/21/1"
	if _, err := n.Client.Send(ctx, shop, &types.MsgCommission{Batch: "BENCH", Facts: &types.ProductFacts{Name: "bench", Category: "frozen fish",
		OriginCountry: "CN", ProductionDate: "2026-06-01", ShelfLifeDays: 540, TempMinCenti: -3000, TempMaxCenti: -1800},
		Codes: []*types.NewCode{{Code: code, Quantity: 1 << 40, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}); err != nil {
		b.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{Listen: "127.0.0.1:0", ConsoleListen: gateway.ConsoleOff, NodeRPC: n.RPC,
		Trust: client.Trust{Genesis: n.Genesis}, RateLimit: 1000, RateBurst: 1000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { gw.Shutdown(context.Background()) })
	status := func() station.CodeStatus {
		uri := "/scan/api/code?code=" + url.QueryEscape(code)
		req, _ := http.NewRequest("GET", gw.URL()+uri, nil)
		req.Header.Set("X-Station-Auth", station.ReadAuth(shop, time.Now(), uri))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var st station.CodeStatus
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		return st
	}
	// The gateway answers what it can verify: from the block after the commission's.
	for deadline := time.Now().Add(10 * time.Second); status().Held == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st := status(); st.Stop || st.Held == 0 {
			b.Fatalf("status %+v", st)
		}
		a, err := n.Client.Account(ctx, shop.Public().(ed25519.PublicKey))
		if err != nil {
			b.Fatal(err)
		}
		raw, err := client.SignTx(shop, "station-bench", a.Sequence, "", &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL,
			Items: []*types.CodeQuantity{{Code: code, Quantity: 1}}})
		if err != nil {
			b.Fatal(err)
		}
		resp, err := http.Post(gw.URL()+"/scan/api/tx", "application/octet-stream", bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		var res station.RelayResult
		json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if res.Status != "committed" {
			b.Fatalf("sale %d: %+v", i, res)
		}
	}
}

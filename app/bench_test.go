package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/types"
)

// benchChain has the trace parties and n commissioned codes of 1 kg held by
// the importer, 1,000 codes per tx.
func benchChain(b *testing.B, n int) *testChain {
	c := traceChain(b)
	for start := 0; start < n; start += 1000 {
		m := &types.MsgCommission{Batch: "B2023"}
		if start == 0 {
			m.Facts = shrimpFacts()
		}
		for i := start; i < min(start+1000, n); i++ {
			m.Codes = append(m.Codes, &types.NewCode{Code: benchCode(i), Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
		}
		c.mustBlock(c.tx(kImp, m))
	}
	return c
}

func benchCode(i int) string { return fmt.Sprintf("/01/09521234543213/10/B2023/21/%d", i) }

// BenchmarkBlock1000Sells: FinalizeBlock and Commit of a block of 1,000
// one-event txs (each a signed sale), the unit of the throughput target.
func BenchmarkBlock1000Sells(b *testing.B) { benchBlock(b, false) }

// BenchmarkBlock1000SellsAfterCheckTx: the same block when the txs passed
// this node's CheckTx first (untimed), as in a running node: their
// signatures are not verified again.
func BenchmarkBlock1000SellsAfterCheckTx(b *testing.B) { benchBlock(b, true) }

func benchBlock(b *testing.B, checked bool) {
	c := benchChain(b, 1000*(b.N+1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		txs := make([][]byte, 1000)
		for j := range txs {
			txs[j] = c.tx(kImp, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: benchCode(i*1000 + j), Quantity: 1000}}})
			if checked {
				if res, _ := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: txs[j]}); res.Code != 0 {
					b.Fatalf("CheckTx: %s", res.Log)
				}
			}
		}
		b.StartTimer()
		for _, r := range c.block(txs...) {
			if r.Code != 0 {
				b.Fatalf("code %d: %s", r.Code, r.Log)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/tx")
}

// BenchmarkHandlers: one tx of each trace message (100 codes each), applied
// in a block of its own.
func BenchmarkHandlers(b *testing.B) {
	for _, name := range []string{"commission", "dispatch", "receive", "sell"} {
		b.Run(name, func(b *testing.B) {
			c := traceChain(b)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				codes := make([]*types.NewCode, 100)
				items := make([]*types.CodeQuantity, 100)
				for j := range codes {
					code := benchCode(i*100 + j)
					codes[j] = &types.NewCode{Code: code, Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}
					items[j] = &types.CodeQuantity{Code: code, Quantity: 1000}
				}
				com := &types.MsgCommission{Batch: "B2023", Codes: codes}
				if i == 0 {
					com.Facts = shrimpFacts()
				}
				steps := [][]byte{c.tx(kImp, com)}
				dispatch := c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: items})
				steps = append(steps, dispatch)
				steps = append(steps, c.tx(kMarket, &types.MsgReceive{Consignment: ConsignmentID(types.TxHash(dispatch), 0), Received: items}))
				steps = append(steps, c.tx(kMarket, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: items}))
				target := map[string]int{"commission": 0, "dispatch": 1, "receive": 2, "sell": 3}[name]
				for k := 0; k < target; k++ {
					c.mustBlock(steps[k])
				}
				b.StartTimer()
				c.mustBlock(steps[target])
				b.StopTimer()
				for k := target + 1; k < len(steps); k++ {
					c.mustBlock(steps[k])
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkQueryCodeWithProof: a code record with its proof, with
// COLDTRACE_BENCH_CODES codes in state (default 100,000; the target is
// stated at 1,000,000).
func BenchmarkQueryCodeWithProof(b *testing.B) {
	n := 100_000
	if s := os.Getenv("COLDTRACE_BENCH_CODES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	c := benchChain(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: "/trace/code?code=" + url.QueryEscape(benchCode(i*7919%n)), Prove: true})
		if err != nil || res.Code != 0 {
			b.Fatalf("query: %v %d %s", err, res.Code, res.Log)
		}
	}
}

// BenchmarkRecheck: after a block that commits the first half of 2,000
// pending one-code sales, the mempool rechecks the other half, replaying
// their recorded writes (recheck.go) or, with replay off, running them in
// full as every recheck did before.
func BenchmarkRecheck(b *testing.B) {
	for _, off := range []bool{false, true} {
		name := map[bool]string{false: "replay", true: "run"}[off]
		b.Run(name, func(b *testing.B) {
			c := benchChain(b, 2000*b.N)
			c.app.pending.off = off
			var replays uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				txs := make([][]byte, 2000)
				for j := range txs {
					txs[j] = c.tx(kImp, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: benchCode(i*2000 + j), Quantity: 1000}}})
					if res, _ := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: txs[j]}); res.Code != 0 {
						b.Fatalf("CheckTx: %s", res.Log)
					}
				}
				c.mustBlock(txs[:1000]...)
				before := c.app.pending.replays
				b.StartTimer()
				for _, tx := range txs[1000:] {
					if res, _ := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: tx, Type: abci.CheckTxType_Recheck}); res.Code != 0 {
						b.Fatalf("recheck: %s", res.Log)
					}
				}
				b.StopTimer()
				replays += c.app.pending.replays - before
				c.mustBlock(txs[1000:]...)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/recheck")
			b.ReportMetric(float64(replays)/float64(b.N*1000), "replayed/recheck")
		})
	}
}

// BenchmarkCheckTxSells: CheckTx of new one-code sales, signatures verified.
func BenchmarkCheckTxSells(b *testing.B) {
	c := benchChain(b, b.N)
	txs := make([][]byte, b.N)
	for i := range txs {
		txs[i] = c.tx(kImp, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: benchCode(i), Quantity: 1000}}})
	}
	b.ResetTimer()
	for _, tx := range txs {
		if res, _ := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: tx}); res.Code != 0 {
			b.Fatalf("CheckTx: %s", res.Log)
		}
	}
}

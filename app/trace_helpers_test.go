package app

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// More enterprises of the trace tests: a cold store and a logistics
// company (a carrier), both in the Xihu district; an enterprise nobody
// registered.
var (
	kCold, kCarrier  = testKey("cold store"), testKey("carrier")
	coldUSCC         = mkUSCC("91330106MA2GGGGG0")
	carrierUSCC      = mkUSCC("91330106MA2HHHHH0")
	unregisteredUSCC = mkUSCC("91330106MA2JJJJJ0")
)

// unitSSCC is the logistic unit (a pallet) of the trace tests.
const unitSSCC = "/00/106141411234567897"

// sscc completes 17 digits with their GS1 check digit: "/00/{SSCC}".
func sscc(body string) string {
	d, err := types.GS1CheckDigit(body)
	if err != nil || len(body) != 17 {
		panic("bad SSCC body " + body)
	}
	return "/00/" + body + string(d)
}

// gtinWith completes 13 digits with their GS1 check digit.
func gtinWith(body string) string {
	d, err := types.GS1CheckDigit(body)
	if err != nil || len(body) != 13 {
		panic("bad GTIN body " + body)
	}
	return body + string(d)
}

// testFacts are the facts of the trace tests' batches: frozen shrimp of
// domestic origin, so that the goods need no supervision warehouse (the
// supervision flow has tests of its own), kept at -30.00 .. -18.00 °C.
func testFacts() *types.ProductFacts {
	doc := sha256.Sum256([]byte("nucleic acid test report"))
	return &types.ProductFacts{
		Name: "Frozen white shrimp", Category: "frozen seafood", Gtin: gtin, OriginCountry: "CN",
		ProductionDate: "2023-10-01", ShelfLifeDays: 730, Supplier: "Zhanjiang Seafood Co.",
		InspectionCertificate: "IQ-330100-2023-0042", DisinfectionCertificate: "DS-2023-0917",
		NucleicAcidTest: &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", Date: "2023-10-20", DocumentHash: doc[:]},
		TempMinCenti:    -3000, TempMaxCenti: -1800,
	}
}

func grams(code string, q uint64) *types.NewCode {
	return &types.NewCode{Code: code, Quantity: q, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}
}

// snapshotState opens the last saved version of a's state.
func snapshotState(t testing.TB, a *App) *state.State {
	t.Helper()
	snap, err := a.tree.Immutable(a.tree.Version())
	if err != nil {
		t.Fatal(err)
	}
	return state.New(snap)
}

// record reads a code record from the last saved version (nil if absent).
func record(t testing.TB, a *App, code string) *types.CodeRecord {
	t.Helper()
	r, err := snapshotState(t, a).Code(code)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// historyHashes is the event hashes of a code's history, oldest first.
func historyHashes(t testing.TB, a *App, code string) [][]byte {
	t.Helper()
	st := snapshotState(t, a)
	r, err := st.Code(code)
	if err != nil || r == nil {
		t.Fatalf("code %s: %v", code, err)
	}
	hs, err := st.History(code, 0, int(r.Events)+1)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// storedEvent reads an event by hash from the last saved version.
func storedEvent(t testing.TB, a *App, h []byte) *types.Event {
	t.Helper()
	e, _, err := snapshotState(t, a).Event(h)
	if err != nil || e == nil {
		t.Fatalf("event %X: %v", h, err)
	}
	return e
}

// lastEvent is the newest event in a code's history.
func lastEvent(t testing.TB, a *App, code string) *types.Event {
	t.Helper()
	hs := historyHashes(t, a, code)
	if len(hs) == 0 {
		t.Fatalf("code %s has no history", code)
	}
	return storedEvent(t, a, hs[len(hs)-1])
}

// accountSeq is the next sequence of a key in the last saved version.
func accountSeq(t testing.TB, a *App, k ed25519.PrivateKey) uint64 {
	t.Helper()
	acct, err := snapshotState(t, a).Account(pub(k))
	if err != nil {
		t.Fatal(err)
	}
	if acct == nil {
		return 0
	}
	return acct.Sequence
}

// dumpAt returns every key and value of a saved version: the one state dump
// of the tests.
func dumpAt(t testing.TB, a *App, version int64) map[string][]byte {
	t.Helper()
	snap, err := a.tree.Immutable(version)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	if err := snap.Iterate(nil, nil, func(k, v []byte) bool {
		out[string(k)] = append([]byte{}, v...)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// onlySequenceConsumed checks that the change from before to after is at
// most the signer's sequence moving on by one. It returns a description of
// what else changed, or "" when nothing else did.
func onlySequenceConsumed(before, after map[string][]byte, signer []byte) string {
	changed := changedKeys(before, after)
	if len(changed) == 0 {
		return ""
	}
	acctKey := string(state.AccountKey(signer))
	if len(changed) != 1 || changed[0] != acctKey {
		return fmt.Sprintf("changed keys %q", changed)
	}
	var old, now types.Account
	if err := proto.Unmarshal(before[acctKey], &old); err != nil {
		return "account before: " + err.Error()
	}
	if err := proto.Unmarshal(after[acctKey], &now); err != nil {
		return "account after: " + err.Error()
	}
	old.Sequence++
	if !proto.Equal(&old, &now) {
		return "account changed beyond its sequence: " + now.String()
	}
	return ""
}

// finalize runs one block on a bare app and returns its results (Commit included).
func finalize(t testing.TB, a *App, height int64, txs [][]byte) *abci.ResponseFinalizeBlock {
	t.Helper()
	res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
		Height: height, Time: time.Unix(1_700_000_000+height, 0).UTC(), Txs: txs,
	})
	if err != nil {
		t.Fatalf("FinalizeBlock %d: %v", height, err)
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatalf("Commit %d: %v", height, err)
	}
	return res
}

// checkTx runs CheckTx as the mempool does for a new tx.
func checkTx(t testing.TB, a *App, raw []byte) *abci.ResponseCheckTx {
	t.Helper()
	res, err := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		t.Fatalf("CheckTx: %v", err)
	}
	return res
}

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// goldenChain is testdata/rules_v1_chain.json: blocks written, results and
// app hashes recorded by the binary of the rules-v1 era, which halted at the
// last block (the expiry watch of a batch whose shelf life reached year 10240).
type goldenChain struct {
	ChainID  string          `json:"chain_id"`
	Genesis  json.RawMessage `json:"genesis_app_state"`
	InitHash []byte          `json:"init_app_hash"`
	Blocks   []struct {
		Height  int64     `json:"height"`
		Time    time.Time `json:"time"`
		Txs     [][]byte  `json:"txs"`
		Note    string    `json:"note"`
		Codes   []uint32  `json:"codes"`
		AppHash []byte    `json:"app_hash"`
		Error   string    `json:"error"`
	} `json:"blocks"`
}

func loadGolden(t *testing.T) *goldenChain {
	t.Helper()
	b, err := os.ReadFile("testdata/rules_v1_chain.json")
	if err != nil {
		t.Fatal(err)
	}
	g := &goldenChain{}
	if err := json.Unmarshal(b, g); err != nil {
		t.Fatal(err)
	}
	if last := g.Blocks[len(g.Blocks)-1]; last.Error == "" {
		t.Fatal("the golden chain should end at the block that halted the v1 binary")
	}
	return g
}

// replayGolden runs the recorded blocks that the v1 binary committed on a
// new app with the given upgrades, checking every result code and app hash,
// and returns the app ready for the height that halted.
func replayGolden(t *testing.T, g *goldenChain, ups []*types.Upgrade) *App {
	t.Helper()
	a := NewInMemory()
	if err := a.SetUpgrades(ups); err != nil {
		t.Fatal(err)
	}
	ic, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: g.ChainID, InitialHeight: 1, AppStateBytes: g.Genesis})
	if err != nil {
		t.Fatal(err)
	}
	if string(ic.AppHash) != string(g.InitHash) {
		t.Fatalf("genesis app hash %X, the v1 binary had %X", ic.AppHash, g.InitHash)
	}
	for _, b := range g.Blocks[:len(g.Blocks)-1] {
		res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: b.Height, Time: b.Time, Txs: b.Txs})
		if err != nil {
			t.Fatalf("height %d (%s): %v", b.Height, b.Note, err)
		}
		for i, r := range res.TxResults {
			if r.Code != b.Codes[i] {
				t.Fatalf("height %d (%s) tx %d: code %d (%s), the v1 binary gave %d", b.Height, b.Note, i, r.Code, r.Log, b.Codes[i])
			}
		}
		if string(res.AppHash) != string(b.AppHash) {
			t.Fatalf("height %d (%s): app hash %X, the v1 binary had %X", b.Height, b.Note, res.AppHash, b.AppHash)
		}
		if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func hasEvent(evs []abci.Event, typ string) bool {
	for _, e := range evs {
		if e.Type == typ {
			return true
		}
	}
	return false
}

// TestRulesV1HistoryReplays: a chain written by the v1 binary, with txs that
// rules v2 refuses (a shelf life reaching year 10240, a non-canonical tx, a
// right-to-left override in a name, production after expiry), replays on
// this binary to the same codes and app hashes; the block that halted the v1
// binary now executes, the inconsistent watch entry skipped and reported.
func TestRulesV1HistoryReplays(t *testing.T) {
	g := loadGolden(t)
	a := replayGolden(t, g, nil)
	halt := g.Blocks[len(g.Blocks)-1]
	res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: halt.Height, Time: halt.Time})
	if err != nil {
		t.Fatalf("the height that halted v1 (%s) still fails: %v", halt.Error, err)
	}
	if !hasEvent(res.Events, "watch_skipped") {
		t.Fatalf("no watch_skipped event: %+v", res.Events)
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	// The skipped entry is gone: the next day's blocks run clean.
	res, err = a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: halt.Height + 1, Time: halt.Time.Add(48 * time.Hour)})
	if err != nil || hasEvent(res.Events, "watch_skipped") {
		t.Fatalf("next block: %v %+v", err, res.Events)
	}
}

// TestUpgradeAtHaltedHeight: the operators resume the halted chain under
// rules v2 from the halted height. Heights before it keep their v1 hashes;
// from it on, what v2 refuses is refused with its codes, and two nodes with
// the same configuration agree on every hash.
func TestUpgradeAtHaltedHeight(t *testing.T) {
	g := loadGolden(t)
	halt := g.Blocks[len(g.Blocks)-1]
	ups := []*types.Upgrade{{Version: types.RulesV2, Height: halt.Height, Reason: "resume after the halt"}}
	nodes := []*App{replayGolden(t, g, ups), replayGolden(t, g, ups)}

	imp, mkt, root := testKey("golden importer"), testKey("golden market"), testKey("root")
	// The v1 blocks used sequences 0..4 (importer), 0..1 (market), 0..2 (root).
	seqs := map[string]uint64{"imp": 4, "mkt": 1, "root": 3}
	keys := map[string][]byte{"imp": imp, "mkt": mkt, "root": root}
	sign := func(who string, msgs ...proto.Message) []byte {
		s := seqs[who]
		seqs[who]++
		return signTx(t, keys[who], g.ChainID, s, msgs...)
	}
	// A tx refused by the stateless checks does not consume its sequence.
	signStateless := func(who string, msgs ...proto.Message) []byte {
		return signTx(t, keys[who], g.ChainID, seqs[who], msgs...)
	}
	facts := func(f *types.ProductFacts) *types.ProductFacts {
		base := &types.ProductFacts{Name: "Frozen squid", Category: "frozen squid", OriginCountry: "CN", ProductionDate: "2026-10-01", ShelfLifeDays: 365}
		proto.Merge(base, f)
		return base
	}
	commission := func(batch string, f *types.ProductFacts) *types.MsgCommission {
		return &types.MsgCommission{Batch: batch, Facts: facts(f), Codes: []*types.NewCode{{Quantity: 100, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}
	}
	nonCanonical := func(raw []byte) []byte {
		var tx types.Tx
		if err := proto.Unmarshal(raw, &tx); err != nil {
			t.Fatal(err)
		}
		b := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), tx.Signature)
		return protowire.AppendBytes(protowire.AppendTag(b, 1, protowire.BytesType), tx.BodyBytes)
	}
	cases := []struct {
		name string
		tx   []byte
		want uint32
	}{
		{"shelf life past ten years", signStateless("imp", commission("C1", &types.ProductFacts{ShelfLifeDays: 3000000})), types.ErrInvalidField.Code},
		{"production after expiry", signStateless("imp", commission("C2", &types.ProductFacts{ShelfLifeDays: 0, ExpiryDate: "2026-09-01"})), types.ErrInvalidField.Code},
		{"year 0000", signStateless("imp", commission("C3", &types.ProductFacts{ProductionDate: "0000-01-01"})), types.ErrInvalidField.Code},
		{"right-to-left override in a batch fact", signStateless("imp", commission("C4", &types.ProductFacts{Supplier: "Acme \u202Eevil"})), types.ErrInvalidField.Code},
		{"zero-width space in a name", signStateless("imp", commission("C5", &types.ProductFacts{Name: "Frozen\u200Bsquid"})), types.ErrInvalidField.Code},
		{"non-canonical encoding", nonCanonical(signStateless("mkt", &types.MsgAcknowledge{})), types.ErrNotCanonical.Code},
		{"a good commission", sign("imp", commission("C6", nil)), 0},
		{"production next month", sign("imp", commission("C7", &types.ProductFacts{ProductionDate: "2026-12-15"})), types.ErrInvalidField.Code},
		{"an upgrade scheduled by an enterprise", sign("imp", &types.MsgScheduleUpgrade{Version: 3, Height: 100, Reason: "x"}), types.ErrUnauthorized.Code},
		{"an upgrade to the version in force", sign("root", &types.MsgScheduleUpgrade{Version: 2, Height: 100, Reason: "x"}), types.ErrUpgrade.Code},
		{"an upgrade at a past height", sign("root", &types.MsgScheduleUpgrade{Version: 3, Height: 3, Reason: "x"}), types.ErrUpgrade.Code},
		{"an upgrade scheduled by the root regulator", sign("root", &types.MsgScheduleUpgrade{Version: 3, Height: 100, Reason: "rules v3"}), 0},
	}
	// CheckTx at the halted height already judges by v2.
	for _, tc := range cases {
		if tc.want == types.ErrNotCanonical.Code {
			if r, _ := nodes[0].CheckTx(context.Background(), &abci.RequestCheckTx{Tx: tc.tx}); r.Code != tc.want {
				t.Fatalf("CheckTx %s: code %d %s", tc.name, r.Code, r.Log)
			}
		}
	}
	var hashes [2][]byte
	for n, a := range nodes {
		res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: halt.Height, Time: halt.Time})
		if err != nil || !hasEvent(res.Events, "rules_upgrade") {
			t.Fatalf("node %d at the halted height: %v %+v", n, err, res.Events)
		}
		if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
		var txs [][]byte
		for _, tc := range cases {
			txs = append(txs, tc.tx)
		}
		res, err = a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: halt.Height + 1, Time: halt.Time.Add(time.Hour), Txs: txs})
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range cases {
			if got := res.TxResults[i]; got.Code != tc.want {
				t.Errorf("node %d: %s: code %d (%s), want %d", n, tc.name, got.Code, got.Log, tc.want)
			}
		}
		if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
		hashes[n] = a.tree.Hash()
		r, err := state.New(a.tree).Rules()
		if err != nil || r.Version != 2 || r.SinceHeight != halt.Height || len(r.Scheduled) != 1 || r.Scheduled[0].Version != 3 {
			t.Fatalf("node %d rules record: %+v %v", n, r, err)
		}
	}
	if string(hashes[0]) != string(hashes[1]) {
		t.Fatalf("two nodes with the same upgrades disagree: %X %X", hashes[0], hashes[1])
	}
}

// TestUpgradeTakesEffectAtItsHeight: a v2 chain schedules rules v3 and the
// version after this binary's newest on chain; v3 takes effect at its height,
// and at the next one's height a binary that does not know it stops with words saying what to install, rather than execute the
// height under rules the network no longer runs. A cancelled upgrade never
// takes effect.
func TestUpgradeTakesEffectAtItsHeight(t *testing.T) {
	c := newTestChain(t)
	rootKey := testKey("root")
	if r := c.block(signTx(t, rootKey, testChainID, 0, &types.MsgScheduleUpgrade{Version: types.RulesV2, Height: 3, Reason: "v2"}))[0]; r.Code != types.ErrTxDecode.Code {
		t.Fatalf("under v1 MsgScheduleUpgrade is undecodable, as the v1 binary had it: code %d %s", r.Code, r.Log)
	}
	if v := ruleVersion(t, c.app); v != 1 {
		t.Fatalf("v1 chain: MsgScheduleUpgrade must not exist before v2, rules are v%d", v)
	}
	if err := c.app.SetUpgrades([]*types.Upgrade{{Version: types.RulesV2, Height: 1, Reason: "late"}}); err == nil || !strings.Contains(err.Error(), "resumes at the height after") {
		t.Fatalf("an upgrade at a height already executed: %v", err)
	}
	if err := c.app.SetUpgrades([]*types.Upgrade{{Version: types.RulesV2, Height: 3, Reason: "operators"}}); err != nil {
		t.Fatal(err)
	}
	c.mustBlock() // height 2, still v1
	if v := ruleVersion(t, c.app); v != 1 {
		t.Fatalf("height 2: rules v%d", v)
	}
	// Every version this binary knows from v3 on, one height apart from
	// height 5; then the one after the newest, and one more to cancel.
	unknown, cancelled := types.LatestRules+1, types.LatestRules+2
	at := func(v uint32) int64 { return 5 + int64(v-3) }
	txs := [][]byte{c.tx(rootKey, &types.MsgScheduleUpgrade{Version: 30, Height: 5, Reason: "typo for v3"})}
	for v := uint32(3); v <= cancelled; v++ {
		txs = append(txs, c.tx(rootKey, &types.MsgScheduleUpgrade{Version: v, Height: at(v), Reason: fmt.Sprintf("v%d", v)}))
	}
	res := c.block(txs...) // height 3: v2 from here
	if res[0].Code != types.ErrUpgrade.Code {
		t.Fatalf("v30: code %d (%s)", res[0].Code, res[0].Log)
	}
	for i, r := range res[1:] {
		if r.Code != 0 {
			t.Fatalf("v%d: code %d (%s)", 3+i, r.Code, r.Log)
		}
	}
	if v := ruleVersion(t, c.app); v != 2 {
		t.Fatalf("height 3: rules v%d", v)
	}
	c.mustBlock(c.tx(rootKey, &types.MsgScheduleUpgrade{Version: cancelled, Height: 0, Reason: "cancelled"})) // height 4
	for v := uint32(3); v <= types.LatestRules; v++ {
		c.mustBlock() // v takes effect: this binary knows it
		if got := ruleVersion(t, c.app); c.height != at(v) || got != v {
			t.Fatalf("height %d: rules v%d, want v%d", c.height, got, v)
		}
	}
	c.height++
	_, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: c.height, Time: time.Unix(1_700_000_000+c.height, 0)})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("rules v%d at height %d", unknown, at(unknown))) || !strings.Contains(err.Error(), "install a binary") {
		t.Fatalf("height %d under a binary without v%d: %v", at(unknown), unknown, err)
	}
}

func ruleVersion(t *testing.T, a *App) uint32 {
	t.Helper()
	r, err := state.New(a.tree).Rules()
	if err != nil {
		t.Fatal(err)
	}
	return r.Version
}

// TestDaysAreChinasFromV2: at 17:00 UTC it is already the next day in
// China; v2 dates the block by China's day, v1 by UTC's.
func TestDaysAreChinasFromV2(t *testing.T) {
	at := time.Date(2026, 11, 1, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    uint32
		want string
	}{{types.RulesV1, "2026-11-01"}, {types.RulesV2, "2026-11-02"}} {
		a := NewInMemory()
		if tc.v == types.RulesV2 {
			if err := a.SetUpgrades([]*types.Upgrade{{Version: types.RulesV2, Height: 1, Reason: "t"}}); err != nil {
				t.Fatal(err)
			}
		}
		initChain(t, a)
		if _, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: 1, Time: at}); err != nil {
			t.Fatal(err)
		}
		if d, err := state.New(a.tree).BlockDate(); err != nil || d != tc.want {
			t.Errorf("rules v%d: block date %q, want %q (%v)", tc.v, d, tc.want, err)
		}
	}
}

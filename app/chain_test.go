package app

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

const testChainID = "coldtrace-test"

// testKey derives a deterministic key from a name.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("coldtrace test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

// testChain drives an App through the ABCI entry points only.
type testChain struct {
	t      testing.TB
	app    *App
	height int64
	seq    map[string]uint64
}

func newTestChain(t testing.TB) *testChain {
	t.Helper()
	c := &testChain{t: t, app: NewInMemory(), seq: map[string]uint64{}}
	initChain(t, c.app)
	return c
}

// initChain applies the test genesis: root regulator 330000 with key "root".
func initChain(t testing.TB, a *App) {
	t.Helper()
	g := &types.GenesisState{
		Params:        types.DefaultParams(),
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang Market Supervision", Keys: [][]byte{pub(testKey("root"))}},
	}
	appState, err := protojson.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: appState}); err != nil {
		t.Fatalf("InitChain: %v", err)
	}
}

// signTx builds a tx from key with an explicit sequence.
func signTx(t testing.TB, key ed25519.PrivateKey, chainID string, seq uint64, msgs ...proto.Message) []byte {
	t.Helper()
	body := &types.TxBody{ChainId: chainID, Signer: pub(key), Sequence: seq}
	for _, m := range msgs {
		body.Messages = append(body.Messages, types.WrapMsg(m))
	}
	bb, err := proto.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(key, types.SignBytes(bb))})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// tx signs with the key's next sequence as this helper tracks it.
func (c *testChain) tx(key ed25519.PrivateKey, msgs ...proto.Message) []byte {
	s := c.seq[string(pub(key))]
	c.seq[string(pub(key))] = s + 1
	return signTx(c.t, key, testChainID, s, msgs...)
}

// block runs FinalizeBlock and Commit and returns the per-tx results.
func (c *testChain) block(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	c.height++
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
		Height: c.height, Time: time.Unix(1_700_000_000+c.height, 0).UTC(), Txs: txs,
	})
	if err != nil {
		c.t.Fatalf("FinalizeBlock %d: %v", c.height, err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatalf("Commit %d: %v", c.height, err)
	}
	return res.TxResults
}

// mustBlock runs one block and fails unless every tx succeeded.
func (c *testChain) mustBlock(txs ...[]byte) {
	c.t.Helper()
	for i, r := range c.block(txs...) {
		if r.Code != 0 {
			c.t.Fatalf("block %d tx %d: code %d: %s", c.height, i, r.Code, r.Log)
		}
	}
}

func (c *testChain) appHash() []byte {
	info, err := c.app.Info(context.Background(), &abci.RequestInfo{})
	if err != nil {
		c.t.Fatal(err)
	}
	return info.LastBlockAppHash
}

func (c *testChain) query(path string, prove bool) *abci.ResponseQuery {
	c.t.Helper()
	res, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: path, Prove: prove})
	if err != nil {
		c.t.Fatalf("Query %s: %v", path, err)
	}
	return res
}

// Fixtures shared by the tests.
var (
	cityDiv       = "330100"
	districtDiv   = "330106"
	otherCityDiv  = "330200"
	importerUSCC  = mkUSCC("91330100MA27XXXX0")
	marketUSCC    = mkUSCC("91330106MA28YYYY0")
	otherCityUSCC = mkUSCC("91330200MA29WWWW0")
)

// mkUSCC completes a 17-character body with its check character.
func mkUSCC(body string) string {
	c, err := types.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

func regRegulator(div, name string, keys ...ed25519.PrivateKey) *types.MsgRegisterRegulator {
	m := &types.MsgRegisterRegulator{Division: div, Name: name}
	for _, k := range keys {
		m.Keys = append(m.Keys, pub(k))
	}
	return m
}

func regEnterprise(uscc, div string, kind types.EnterpriseKind, keys ...ed25519.PrivateKey) *types.MsgRegisterEnterprise {
	m := &types.MsgRegisterEnterprise{Uscc: uscc, Name: "Enterprise " + uscc[:8], Kind: kind, Division: div}
	for _, k := range keys {
		m.Keys = append(m.Keys, pub(k))
	}
	return m
}

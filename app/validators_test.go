package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"sort"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Consensus keys of the validator tests: A and B are in genesis, C and D are not.
var (
	valA, valB, valC, valD = pub(testKey("val-a")), pub(testKey("val-b")), pub(testKey("val-c")), pub(testKey("val-d"))
)

// validatorChain: genesis validators A and B (power 10 each) operated by the
// root 330000; Hangzhou 330100 (key kCity) and an importer (key kImp).
func validatorChain(t *testing.T) *testChain {
	t.Helper()
	c := &testChain{t: t, app: NewInMemory(), seq: map[string]uint64{}}
	g := &types.GenesisState{
		Params:        types.DefaultParams(),
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang Market Supervision", Keys: [][]byte{pub(kRoot)}},
	}
	appState, err := protojson.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.app.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: testChainID, InitialHeight: 1, AppStateBytes: appState,
		Validators: []abci.ValidatorUpdate{abci.Ed25519ValidatorUpdate(valA, 10), abci.Ed25519ValidatorUpdate(valB, 10)},
	}); err != nil {
		t.Fatal(err)
	}
	c.mustBlock(c.tx(kRoot, regRegulator(cityDiv, "Hangzhou", kCity)))
	c.mustBlock(c.tx(kCity, regEnterprise(importerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, kImp)))
	return c
}

func setVal(key []byte, power int64, operator, name string) *types.MsgSetValidator {
	return &types.MsgSetValidator{PubKey: key, Power: power, Operator: operator, Name: name}
}

// finalize runs one block and returns the whole FinalizeBlock response.
func (c *testChain) finalize(txs ...[]byte) *abci.ResponseFinalizeBlock {
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
	for i, r := range res.TxResults {
		if r.Code != 0 {
			c.t.Fatalf("block %d tx %d: code %d: %s", c.height, i, r.Code, r.Log)
		}
	}
	return res
}

// updates renders validator updates as "key-prefix:power" for comparison.
func updates(us []abci.ValidatorUpdate) []string {
	var out []string
	for _, u := range us {
		out = append(out, hex.EncodeToString(u.PubKey.GetEd25519()[:4])+":"+itoa(u.Power))
	}
	return out
}

func upd(key []byte, power int64) string { return hex.EncodeToString(key[:4]) + ":" + itoa(power) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// sortedUpdates orders expected updates by key (hex keeps the byte order).
func sortedUpdates(ps ...string) []string {
	sort.Strings(ps)
	return ps
}

// TestValidatorRefusals: each refusal of MsgSetValidator returns its code at
// CheckTx and in a block, returns no validator update, and leaves state
// unchanged except the signer's consumed sequence.
func TestValidatorRefusals(t *testing.T) {
	cases := []struct {
		name     string
		tx       func(c *testChain) []byte
		want     *types.Error
		consumes ed25519.PrivateKey
	}{
		{"city regulator changes the set", func(c *testChain) []byte {
			return c.tx(kCity, setVal(valC, 10, cityDiv, "hz"))
		}, types.ErrUnauthorized, kCity},
		{"enterprise changes the set", func(c *testChain) []byte {
			return c.tx(kImp, setVal(valC, 10, cityDiv, "hz"))
		}, types.ErrUnauthorized, kImp},
		{"consensus key of 31 bytes", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC[:31], 10, cityDiv, "hz"))
		}, types.ErrInvalidKey, nil},
		{"negative power", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC, -1, cityDiv, "hz"))
		}, types.ErrInvalidField, nil},
		{"malformed operator", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC, 10, "3301", "hz"))
		}, types.ErrInvalidDivision, nil},
		{"name with a control character", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC, 10, cityDiv, "hz\n"))
		}, types.ErrInvalidField, nil},
		{"operator not registered", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC, 10, otherCityDiv, "nb"))
		}, types.ErrNotFound, kRoot},
		{"remove a key that is no validator", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC, 0, cityDiv, "hz"))
		}, types.ErrNotFound, kRoot},
		{"remove every validator", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valA, 0, "330000", ""), setVal(valB, 0, "330000", ""))
		}, types.ErrInvalidState, kRoot},
		{"nothing to change", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valA, 10, "330000", "genesis-0"))
		}, types.ErrInvalidState, kRoot},
		{"power above the total CometBFT allows", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC, cmttypes.MaxTotalVotingPower-19, cityDiv, "hz"))
		}, types.ErrInvalidField, kRoot},
		{"second message refused, first undone", func(c *testChain) []byte {
			return c.tx(kRoot, setVal(valC, 10, cityDiv, "hz"), setVal(valD, 10, otherCityDiv, "nb"))
		}, types.ErrNotFound, kRoot},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validatorChain(t)
			before, hashBefore := dumpAt(t, c.app, c.app.tree.Version()), c.appHash()
			raw := tc.tx(c)

			chk, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
			if err != nil || chk.Code != tc.want.Code {
				t.Fatalf("CheckTx: code %d (%s), want %d (%s)", chk.Code, chk.Log, tc.want.Code, tc.want.Name)
			}
			if chk.Codespace != types.Codespace || chk.Log == "" {
				t.Fatalf("CheckTx: codespace %q log %q", chk.Codespace, chk.Log)
			}
			c.height++
			res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
				Height: c.height, Time: time.Unix(1_700_000_000+c.height, 0).UTC(), Txs: [][]byte{raw},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
				t.Fatal(err)
			}
			if r := res.TxResults[0]; r.Code != tc.want.Code || len(r.Events) != 0 {
				t.Fatalf("FinalizeBlock: code %d (%s), events %v; want code %d", r.Code, r.Log, r.Events, tc.want.Code)
			}
			if len(res.ValidatorUpdates) != 0 {
				t.Fatalf("a refused tx changed the validator set: %v", res.ValidatorUpdates)
			}
			changed := changedKeys(before, dumpAt(t, c.app, c.app.tree.Version()))
			if tc.consumes == nil {
				if len(changed) != 0 || !bytes.Equal(hashBefore, c.appHash()) {
					t.Fatalf("state changed: keys %q", changed)
				}
				return
			}
			acctKey := string(state.AccountKey(pub(tc.consumes)))
			if len(changed) != 1 || changed[0] != acctKey {
				t.Fatalf("changed keys %q, want only the signer's account", changed)
			}
			var old, now types.Account
			_ = proto.Unmarshal(before[acctKey], &old)
			_ = proto.Unmarshal(dumpAt(t, c.app, c.app.tree.Version())[acctKey], &now)
			old.Sequence++
			if !proto.Equal(&old, &now) {
				t.Fatalf("account %v, want %v (only the sequence consumed)", &now, &old)
			}
		})
	}
}

// TestValidatorSetChanges: additions, re-weights and removals come back from
// FinalizeBlock as one update per key, ordered by key; operator and name
// changes alone are no update; the last validator cannot be removed.
func TestValidatorSetChanges(t *testing.T) {
	c := validatorChain(t)

	// Genesis validators are recorded, operated by the root regulator.
	list := queryRecord[*types.ValidatorList](t, c, "/validators")
	if len(list.Validators) != 2 || list.Validators[0].Operator != "330000" || list.Validators[0].Power != 10 {
		t.Fatalf("genesis set = %v", list)
	}

	res := c.finalize(c.tx(kRoot, setVal(valC, 5, cityDiv, "Hangzhou node")))
	if got, want := updates(res.ValidatorUpdates), []string{upd(valC, 5)}; !equalStrings(got, want) {
		t.Fatalf("add: updates %v, want %v", got, want)
	}
	ev := res.TxResults[0].Events
	if len(ev) != 1 || ev[0].Type != "set_validator" {
		t.Fatalf("events %v", ev)
	}

	// Several changes in one block, two of one key: one update each, by key.
	res = c.finalize(
		c.tx(kRoot, setVal(valC, 7, cityDiv, "Hangzhou node")),
		c.tx(kRoot, setVal(valA, 20, cityDiv, "moved to Hangzhou")),
		c.tx(kRoot, setVal(valC, 9, cityDiv, "Hangzhou node")),
		c.tx(kRoot, setVal(valD, 3, "330000", "province spare")),
	)
	if got, want := updates(res.ValidatorUpdates), sortedUpdates(upd(valA, 20), upd(valC, 9), upd(valD, 3)); !equalStrings(got, want) {
		t.Fatalf("batch: updates %v, want %v", got, want)
	}

	// Assigning an operator with the same power is recorded but changes no power.
	res = c.finalize(c.tx(kRoot, setVal(valB, 10, cityDiv, "node1")))
	if len(res.ValidatorUpdates) != 0 {
		t.Fatalf("operator change gave updates %v", res.ValidatorUpdates)
	}
	v := queryRecord[*types.Validator](t, c, "/validators/"+hex.EncodeToString(valB))
	if v.Operator != cityDiv || v.Name != "node1" || v.Power != 10 || v.UpdatedHeight != c.height {
		t.Fatalf("validator B = %v", v)
	}

	// A tx refused in the block leaves the set and the updates alone.
	c.height++
	resp, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
		Height: c.height, Time: time.Unix(1_700_000_000+c.height, 0).UTC(),
		Txs: [][]byte{c.tx(kRoot, setVal(valD, 0, "330000", ""), setVal(valC, 0, otherCityDiv, ""), setVal(pub(testKey("x")), 0, "330000", ""))},
	})
	if err != nil || resp.TxResults[0].Code != types.ErrNotFound.Code || len(resp.ValidatorUpdates) != 0 {
		t.Fatalf("refused tx: %v, code %d, updates %v", err, resp.TxResults[0].Code, resp.ValidatorUpdates)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}

	// Removals, down to one validator; the last is kept.
	res = c.finalize(c.tx(kRoot, setVal(valB, 0, cityDiv, "")), c.tx(kRoot, setVal(valD, 0, "330000", "")))
	if got, want := updates(res.ValidatorUpdates), sortedUpdates(upd(valB, 0), upd(valD, 0)); !equalStrings(got, want) {
		t.Fatalf("remove: updates %v, want %v", got, want)
	}
	res = c.finalize(c.tx(kRoot, setVal(valA, 0, cityDiv, "")))
	if got, want := updates(res.ValidatorUpdates), []string{upd(valA, 0)}; !equalStrings(got, want) {
		t.Fatalf("remove A: updates %v, want %v", got, want)
	}
	if r := c.block(c.tx(kRoot, setVal(valC, 0, cityDiv, ""))); r[0].Code != types.ErrInvalidState.Code {
		t.Fatalf("removing the last validator: code %d (%s)", r[0].Code, r[0].Log)
	}
	list = queryRecord[*types.ValidatorList](t, c, "/validators")
	if len(list.Validators) != 1 || !bytes.Equal(list.Validators[0].PubKey, valC) || list.Validators[0].Power != 9 {
		t.Fatalf("final set = %v", list)
	}

	// A validator query is proven like any record; an unknown key is not found.
	q := c.query("/validators/"+hex.EncodeToString(valC), true)
	if q.Code != 0 || q.ProofOps == nil || len(q.ProofOps.Ops) == 0 {
		t.Fatalf("proven validator query: code %d, proof %v", q.Code, q.ProofOps)
	}
	if q := c.query("/validators/"+hex.EncodeToString(valA), false); q.Code != types.ErrNotFound.Code {
		t.Fatalf("removed validator: code %d", q.Code)
	}
	if q := c.query("/validators/zz", false); q.Code != types.ErrBadQuery.Code {
		t.Fatalf("bad key: code %d", q.Code)
	}
}

// TestValidatorUpdatesDeterministic: two apps given the same blocks return
// the same updates and app hashes.
func TestValidatorUpdatesDeterministic(t *testing.T) {
	var hashes [2][]byte
	var ups [2][]string
	for i := range hashes {
		c := validatorChain(t)
		res := c.finalize(c.tx(kRoot, setVal(valD, 4, cityDiv, "d")), c.tx(kRoot, setVal(valC, 6, cityDiv, "c")), c.tx(kRoot, setVal(valA, 0, "330000", "")))
		hashes[i], ups[i] = res.AppHash, updates(res.ValidatorUpdates)
	}
	if !bytes.Equal(hashes[0], hashes[1]) || !equalStrings(ups[0], ups[1]) {
		t.Fatalf("runs differ: %X %v / %X %v", hashes[0], ups[0], hashes[1], ups[1])
	}
}

func TestInitChainRefusesNonEd25519Validators(t *testing.T) {
	a := NewInMemory()
	g := &types.GenesisState{Params: types.DefaultParams(), RootRegulator: &types.RootRegulator{Division: "330000", Name: "Z", Keys: [][]byte{pub(kRoot)}}}
	appState, _ := protojson.Marshal(g)
	bad := abci.Ed25519ValidatorUpdate(valA, 10)
	bad.PubKey.Sum = nil
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: appState,
		Validators: []abci.ValidatorUpdate{bad}}); err == nil {
		t.Fatal("a validator without an ed25519 key was accepted")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

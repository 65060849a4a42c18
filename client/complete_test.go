package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/query"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// listState is a saved version with something under every list route:
// enterprises in three divisions, an enterprise's and a regulator's keys,
// a batch of five codes (one recalled batch, two codes held, one sold),
// holdings, open consignments, open and closed alerts, day statistics and
// two validators.
type listState struct {
	snap         *state.Snapshot
	e1, e2, e3   string // e1 commissions and holds the batch; e2 holds c3 and awaits two consignments; e3 has nothing
	batch        string
	codes        []string
	regulatorPub []byte
}

const listHeight = 1

func newListState(t testing.TB) *listState {
	t.Helper()
	tr := state.OpenMemory(state.Options{})
	t.Cleanup(func() { _ = tr.Close() })
	st := state.New(tr)
	ls := &listState{e1: uscc("91330100MA2AAAAA1"), e2: uscc("91330106MA2BBBBB1"), e3: uscc("91440100MA2CCCCC1")}
	ls.batch = ls.e1 + "/L1"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range []struct{ uscc, div string }{{ls.e1, "330100"}, {ls.e2, "330106"}, {ls.e3, "440100"}, {uscc("91330100MA2DDDDD1"), "330100"}, {uscc("91330100MA2EEEEE1"), "330100"}} {
		must(st.SetEnterprise(&types.Enterprise{Uscc: e.uscc, Name: fmt.Sprintf("Enterprise %d", i), Division: e.div, Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER}))
	}
	for i := byte(1); i <= 3; i++ {
		must(st.SetAccount(&types.Account{Key: bytes.Repeat([]byte{i}, 32), OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: ls.e1}))
	}
	ls.regulatorPub = bytes.Repeat([]byte{9}, 32)
	must(st.SetAccount(&types.Account{Key: ls.regulatorPub, OwnerKind: types.OwnerKind_OWNER_KIND_REGULATOR, OwnerId: "330100"}))

	must(st.SetBatch(&types.Batch{Id: ls.batch, Batch: "L1", Commissioner: ls.e1, Codes: 5, Recall: 1}))
	must(st.SetRecall(&types.Recall{Id: 1, Batch: ls.batch, Reason: "positive test", Regulator: "330100"}))
	for i := 1; i <= 5; i++ {
		c := fmt.Sprintf("/01/09521234543213/10/L1/21/%04d", i)
		ls.codes = append(ls.codes, c)
		rec := &types.CodeRecord{Code: c, BatchId: ls.batch, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, Commissioned: 1000, CommissionedHeight: 1}
		msgs := []proto.Message{&types.MsgCommission{Batch: "L1", Codes: []*types.NewCode{{Code: c, Quantity: 1000}}}}
		if i == 1 {
			msgs = append(msgs, &types.MsgSell{Items: []*types.CodeQuantity{{Code: c, Quantity: 10}}})
		}
		for j, m := range msgs {
			b, h, err := st.PutEvent(&types.Event{Height: int64(1 + j), Actor: ls.e1, Msg: types.WrapMsg(m), Codes: []string{c}})
			must(err)
			must(st.AppendHistory(rec, b, h))
		}
		must(st.SetCode(rec))
		must(st.IndexBatchCode(ls.batch, c))
		must(st.SetHolding(ls.e1, c, 990))
	}
	must(st.SetHolding(ls.e2, ls.codes[2], 10))
	for i := byte(1); i <= 2; i++ {
		must(st.SetConsignment(&types.Consignment{Id: bytes.Repeat([]byte{i}, 32), Sender: ls.e1, Buyer: ls.e2, Items: []*types.CodeQuantity{{Code: ls.codes[i], Quantity: 1}}}))
	}
	must(st.SetConsignment(&types.Consignment{Id: bytes.Repeat([]byte{3}, 32), Sender: ls.e1, Buyer: ls.e2, Received: true}))
	for _, a := range []*types.Alert{{Id: 1, Division: "330100", Open: true}, {Id: 2, Division: "330106", Open: true}, {Id: 3, Division: "330100", Open: false}, {Id: 4, Division: "330100", Open: true}} {
		must(st.SetAlert(a))
	}
	must(st.SetHeldIn("330100", ls.codes[1], true))
	must(st.SetHeldIn("330106", ls.codes[3], true))
	for _, d := range []*types.DayStats{{Division: "330100", Day: "2026-06-01", CodesCommissioned: 5}, {Division: "330100", Day: "2026-06-02", Holds: 1}, {Division: "330106", Day: "2026-06-01", Holds: 1}} {
		must(st.SetDayStats(d))
	}
	for i := byte(1); i <= 2; i++ {
		must(st.SetValidator(&types.Validator{PubKey: bytes.Repeat([]byte{i}, 32), Power: 10, Name: fmt.Sprintf("v%d", i)}))
	}
	if _, _, err := tr.SaveVersion(); err != nil {
		t.Fatal(err)
	}
	snap, err := tr.Immutable(listHeight)
	must(err)
	ls.snap = snap
	return ls
}

// answerOver answers path as a node does (app.Query): over kv through a
// Recorder, with a proof from the saved version of every key it recorded.
func (ls *listState) answerOver(t testing.TB, kv state.KV, path string) *abci.ResponseQuery {
	t.Helper()
	rec := state.NewRecorder(kv)
	res, err := query.Answer(rec, listHeight, path)
	if res == nil {
		res = &abci.ResponseQuery{}
	}
	res.Height = listHeight
	if err != nil {
		res.Code, res.Log = types.CodeOf(err)
	}
	if res.ProofOps, err = ls.snap.ProofOps(rec.Keys()); err != nil {
		t.Fatal(err)
	}
	return res
}

// scanned is a KV that remembers the keys its iterations returned.
type scanned struct {
	state.KV
	keys [][]byte
}

func (s *scanned) Iterate(start, end []byte, fn func(k, v []byte) bool) error {
	return s.KV.Iterate(start, end, func(k, v []byte) bool {
		s.keys = append(s.keys, append([]byte(nil), k...))
		return fn(k, v)
	})
}

// hiding is the state a dishonest node pretends to have: one key left out.
type hiding struct {
	state.KV
	hide []byte
}

func (h *hiding) Get(k []byte) ([]byte, error) {
	if bytes.Equal(k, h.hide) {
		return nil, nil
	}
	return h.KV.Get(k)
}

func (h *hiding) Iterate(start, end []byte, fn func(k, v []byte) bool) error {
	return h.KV.Iterate(start, end, func(k, v []byte) bool { return bytes.Equal(k, h.hide) || fn(k, v) })
}

// listRoutes are the paths of every route that answers with a list, each
// with the message it answers with; TestListRoutesCovered checks none is
// missing.
func listRoutes(ls *listState) []struct {
	path  string
	msg   func() proto.Message
	empty bool // the answer lists nothing
} {
	codeList := func() proto.Message { return &types.CodeList{} }
	trace := func() proto.Message { return &types.Trace{} }
	return []struct {
		path  string
		msg   func() proto.Message
		empty bool
	}{
		{"/registry/enterprises/33", func() proto.Message { return &types.EnterprisesPage{} }, false},
		{"/registry/enterprises/3301?limit=2", func() proto.Message { return &types.EnterprisesPage{} }, false},
		{"/registry/enterprises/3301?limit=1&after=330100/" + ls.e1, func() proto.Message { return &types.EnterprisesPage{} }, false},
		{"/registry/enterprises/45", func() proto.Message { return &types.EnterprisesPage{} }, true},
		{"/registry/keys/enterprise/" + ls.e1, func() proto.Message { return &types.KeysPage{} }, false},
		{"/registry/keys/regulator/330100", func() proto.Message { return &types.KeysPage{} }, false},
		{"/trace/history?limit=1000&code=" + url.QueryEscape(ls.codes[0]), func() proto.Message { return &types.HistoryPage{} }, false},
		{"/trace/batch-codes?id=" + url.QueryEscape(ls.batch), codeList, false},
		{"/trace/batch-codes?limit=2&id=" + url.QueryEscape(ls.batch), codeList, false},
		{"/trace/batch-codes?limit=2&id=" + url.QueryEscape(ls.batch) + "&after=" + url.QueryEscape(ls.codes[1]), codeList, false},
		{"/trace/holdings/" + ls.e1, codeList, false},
		{"/trace/holdings/" + ls.e2, codeList, false},
		{"/trace/holdings/" + ls.e3, codeList, true},
		{"/trace/inbound/" + ls.e2, func() proto.Message { return &types.ConsignmentList{} }, false},
		{"/trace/forward?batch=" + url.QueryEscape(ls.batch), trace, false},
		{"/trace/forward?code=" + url.QueryEscape(ls.codes[0]), trace, false},
		{"/trace/backward?code=" + url.QueryEscape(ls.codes[0]), trace, false},
		{"/supervision/alerts/33", func() proto.Message { return &types.AlertList{} }, false},
		{"/supervision/alerts/3301?limit=1", func() proto.Message { return &types.AlertList{} }, false},
		{"/supervision/holds/33", codeList, false},
		{"/supervision/holds/3301?limit=1", codeList, false},
		{"/supervision/recalls?batch=" + url.QueryEscape(ls.batch), func() proto.Message { return &types.RecallList{} }, false},
		{"/supervision/stats/33", func() proto.Message { return &types.StatsList{} }, false},
		{"/supervision/stats/3301?from=2026-06-02&to=2026-06-02", func() proto.Message { return &types.StatsList{} }, false},
		{"/validators", func() proto.Message { return &types.ValidatorList{} }, false},
		{"/rules", func() proto.Message { return &types.Rules{} }, true},
	}
}

// TestListRoutesCovered: every route that does not answer with one
// provable record is among the list routes tested here.
func TestListRoutesCovered(t *testing.T) {
	ls := newListState(t)
	tested := map[string]bool{}
	for _, r := range listRoutes(ls) {
		u, err := url.Parse(r.path)
		if err != nil {
			t.Fatal(err)
		}
		tested[u.Path] = true
	}
	for _, r := range query.Routes {
		if strings.Contains(r.Answer, "(provable)") {
			continue
		}
		found := false
		for p := range tested {
			if p == r.Path || (r.Arg != "" && strings.HasPrefix(p, r.Path+"/") && !strings.Contains(p[len(r.Path)+1:], "/")) {
				found = true
			}
		}
		if !found {
			t.Errorf("list route %s %s has no completeness test", r.Path, r.Arg)
		}
	}
}

func wantVerificationError(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, client.ErrVerification) {
		t.Fatalf("%s: err = %v, want a verification failure", what, err)
	}
}

// TestListAnswersComplete: for every list route, the honest answer
// verifies; without any one of its proofs, with an entry of its list
// removed, added or moved, with a key left out of the state it was read
// from, with a neighbour of a gap proof moved or with a forged proof
// beside the real ones, it does not.
func TestListAnswersComplete(t *testing.T) {
	ls := newListState(t)
	root := ls.snap.Hash()
	for _, r := range listRoutes(ls) {
		t.Run(r.path, func(t *testing.T) {
			honest := ls.answerOver(t, ls.snap, r.path)
			if honest.Code != 0 {
				t.Fatalf("honest answer refused: %s", honest.Log)
			}
			if _, err := client.VerifyAnswer(honest, r.path, root); err != nil {
				t.Fatalf("honest answer: %v", err)
			}
			verify := func(edit func(res *abci.ResponseQuery)) error {
				res := cloneResponse(t, honest)
				edit(res)
				_, err := client.VerifyAnswer(res, r.path, root)
				return err
			}

			t.Run("each proof dropped", func(t *testing.T) {
				refused := 0
				for i, op := range honest.ProofOps.Ops {
					var rest []cmtcrypto.ProofOp
					err := verify(func(res *abci.ResponseQuery) {
						res.ProofOps.Ops = append(res.ProofOps.Ops[:i:i], res.ProofOps.Ops[i+1:]...)
						rest = res.ProofOps.Ops
					})
					if err == nil {
						// Allowed only where the other proofs prove the same key
						// (a start's gap whose neighbour is a record read too).
						p, perr := state.ReadProofs(rest, root)
						if perr != nil {
							t.Fatal(perr)
						}
						if _, gerr := p.Get(op.Key); gerr != nil {
							t.Fatalf("without the only proof of %X the answer verified", op.Key)
						}
						continue
					}
					wantVerificationError(t, err, fmt.Sprintf("without the proof of %X", op.Key))
					if msg := err.Error(); !strings.Contains(msg, "not prove") && !strings.Contains(msg, "no proof") {
						t.Fatalf("without the proof of %X: %v, want it to say what was not proven", op.Key, err)
					}
					refused++
				}
				if refused == 0 {
					t.Fatal("no proof is needed")
				}
			})

			t.Run("list entries edited", func(t *testing.T) {
				edits := listEdits(t, honest.Value, r.msg)
				if len(edits) == 0 && !r.empty {
					t.Fatal("the answer has no list entry to edit")
				}
				for name, value := range edits {
					err := verify(func(res *abci.ResponseQuery) { res.Value = value })
					wantVerificationError(t, err, name)
					if !strings.Contains(err.Error(), "content differs") {
						t.Fatalf("%s: %v, want the content to differ", name, err)
					}
				}
			})

			t.Run("a scanned key left out", func(t *testing.T) {
				spy := &scanned{KV: ls.snap}
				if _, err := query.Answer(spy, listHeight, r.path); err != nil {
					t.Fatal(err)
				}
				caught := 0
				for _, k := range spy.keys {
					lie := ls.answerOver(t, &hiding{KV: ls.snap, hide: k}, r.path)
					_, err := client.VerifyAnswer(lie, r.path, root)
					switch {
					case err != nil:
						wantVerificationError(t, err, fmt.Sprintf("the answer without key %X", k))
						caught++
					case lie.Code != honest.Code || !bytes.Equal(lie.Value, honest.Value):
						t.Fatalf("an answer read without key %X verified", k)
					}
					// The same lie with the proofs that reveal the key left out.
					lie.ProofOps.Ops = withoutNeighbour(t, lie.ProofOps.Ops, k)
					if _, err := client.VerifyAnswer(lie, r.path, root); err == nil && !bytes.Equal(lie.Value, honest.Value) {
						t.Fatalf("an answer read without key %X verified without the proofs naming it", k)
					}
				}
				if len(spy.keys) > 0 && caught == 0 {
					t.Fatalf("leaving out any of the %d scanned keys goes unnoticed", len(spy.keys))
				}
			})

			t.Run("a neighbour moved", func(t *testing.T) {
				for i, op := range honest.ProofOps.Ops {
					for _, side := range []string{"left", "right"} {
						moved := false
						err := verify(func(res *abci.ResponseQuery) {
							res.ProofOps.Ops[i] = editProof(t, op, func(p *ics23.CommitmentProof) bool {
								non := p.GetNonexist()
								if non == nil {
									return false
								}
								e := non.Left
								if side == "right" {
									e = non.Right
								}
								if e == nil {
									return false
								}
								e.Key = append(e.Key, 0)
								moved = true
								return true
							})
						})
						if moved {
							wantVerificationError(t, err, fmt.Sprintf("proof %d with its %s neighbour moved", i, side))
							if !strings.Contains(err.Error(), "does not verify") {
								t.Fatalf("proof %d with its %s neighbour moved: %v, want it not to verify", i, side, err)
							}
						}
					}
				}
			})

			t.Run("as one batch proof", func(t *testing.T) {
				var keys, kept [][]byte
				for _, op := range honest.ProofOps.Ops {
					keys = append(keys, op.Key)
					if !bytes.HasSuffix(op.Key, []byte{0}) {
						kept = append(kept, op.Key)
					}
				}
				err := verify(func(res *abci.ResponseQuery) {
					var err error
					if res.ProofOps, err = ls.snap.BatchProofOps(keys); err != nil {
						t.Fatal(err)
					}
				})
				if err != nil {
					t.Fatalf("the same proofs as one batch: %v", err)
				}
				if len(kept) == len(keys) {
					return // nothing iterated past a key
				}
				// A batch without the gaps after the listed keys.
				err = verify(func(res *abci.ResponseQuery) {
					var err error
					if res.ProofOps, err = ls.snap.BatchProofOps(kept); err != nil {
						t.Fatal(err)
					}
				})
				wantVerificationError(t, err, "a batch without the gap proofs")
			})

			t.Run("a forged key added", func(t *testing.T) {
				for _, op := range honest.ProofOps.Ops {
					if bytes.HasSuffix(op.Key, []byte{0}) {
						// A successor the node proved absent, claimed present.
						err := verify(func(res *abci.ResponseQuery) {
							exist := firstExistence(t, honest.ProofOps.Ops)
							exist.Key, exist.Value = op.Key, []byte{1}
							res.ProofOps.Ops = append(res.ProofOps.Ops, proofOp(t, op.Key, &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Exist{Exist: exist}}))
						})
						wantVerificationError(t, err, fmt.Sprintf("forged key %X", op.Key))
						if !strings.Contains(err.Error(), "does not verify") {
							t.Fatalf("forged key %X: %v, want its proof not to verify", op.Key, err)
						}
						return
					}
				}
			})
		})
	}
}

func cloneResponse(t *testing.T, res *abci.ResponseQuery) *abci.ResponseQuery {
	t.Helper()
	b, err := res.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out := &abci.ResponseQuery{}
	if err := out.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	return out
}

// listEdits returns the answer re-encoded with one entry of a top-level
// list removed, one added (a copy of an entry) and, where two differ, two
// swapped.
func listEdits(t *testing.T, value []byte, newMsg func() proto.Message) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	fields := newMsg().ProtoReflect().Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if !fd.IsList() {
			continue
		}
		edit := func(name string, f func(l protoreflect.List) bool) {
			m := newMsg()
			if err := proto.Unmarshal(value, m); err != nil {
				t.Fatal(err)
			}
			if l := m.ProtoReflect().Mutable(fd).List(); l.Len() > 0 && f(l) {
				b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				out[string(fd.Name())+" "+name] = b
			}
		}
		edit("entry removed", func(l protoreflect.List) bool { l.Truncate(l.Len() - 1); return true })
		edit("entry added", func(l protoreflect.List) bool { l.Append(l.Get(0)); return true })
		edit("entries swapped", func(l protoreflect.List) bool {
			a, b := l.Get(0), l.Get(l.Len()-1)
			if l.Len() < 2 || a.Equal(b) {
				return false
			}
			l.Set(0, b)
			l.Set(l.Len()-1, a)
			return true
		})
	}
	return out
}

// withoutNeighbour drops the non-existence proofs that name k as a neighbour.
func withoutNeighbour(t *testing.T, ops []cmtcrypto.ProofOp, k []byte) []cmtcrypto.ProofOp {
	t.Helper()
	var out []cmtcrypto.ProofOp
	for _, op := range ops {
		var p ics23.CommitmentProof
		if err := p.Unmarshal(op.Data); err != nil {
			t.Fatal(err)
		}
		if non := p.GetNonexist(); non != nil && ((non.Left != nil && bytes.Equal(non.Left.Key, k)) || (non.Right != nil && bytes.Equal(non.Right.Key, k))) {
			continue
		}
		out = append(out, op)
	}
	return out
}

// editProof returns op with its proof changed by f (f reports whether it
// changed anything; if not, op is returned as it was).
func editProof(t *testing.T, op cmtcrypto.ProofOp, f func(*ics23.CommitmentProof) bool) cmtcrypto.ProofOp {
	t.Helper()
	var p ics23.CommitmentProof
	if err := p.Unmarshal(op.Data); err != nil {
		t.Fatal(err)
	}
	if !f(&p) {
		return op
	}
	return proofOp(t, op.Key, &p)
}

func proofOp(t *testing.T, key []byte, p *ics23.CommitmentProof) cmtcrypto.ProofOp {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return cmtcrypto.ProofOp{Type: "ics23:iavl", Key: key, Data: b}
}

// firstExistence is a copy of the first existence proof among ops, a
// neighbour's when no op is a membership proof.
func firstExistence(t *testing.T, ops []cmtcrypto.ProofOp) *ics23.ExistenceProof {
	t.Helper()
	for _, op := range ops {
		var p ics23.CommitmentProof
		if err := p.Unmarshal(op.Data); err != nil {
			t.Fatal(err)
		}
		if e := p.GetExist(); e != nil {
			return e
		}
		if non := p.GetNonexist(); non != nil && non.Left != nil {
			return non.Left
		}
		if non := p.GetNonexist(); non != nil && non.Right != nil {
			return non.Right
		}
	}
	t.Fatal("no existence proof")
	return nil
}

// TestNodeListAnswersComplete: a real node's list answers verify end to
// end, and its answer listing a buyer's three open consignments, with one
// consignment or one proof taken out, does not.
func TestNodeListAnswersComplete(t *testing.T) {
	n := startNode(t)
	code := n.journey(t)
	ctx := context.Background()
	trust, err := client.LoadGenesisTrust(n.home + "/config/genesis.json")
	if err != nil {
		t.Fatal(err)
	}
	headers, err := n.c.NewHeaders(ctx, trust)
	if err != nil {
		t.Fatal(err)
	}
	impU, marketU := uscc("91330100MA2AAAAA1"), uscc("91330100MA2BBBBB1")
	batch := url.QueryEscape(impU + "/L1")
	qc := url.QueryEscape(code)
	for _, path := range []string{
		"/trace/batch-codes?id=" + batch,
		"/trace/holdings/" + impU,
		"/trace/holdings/" + marketU, // nothing received yet: an empty list, proven
		"/trace/forward?batch=" + batch,
		"/trace/backward?code=" + qc,
		"/trace/history?limit=1000&code=" + qc,
		"/registry/enterprises/3301",
		"/registry/keys/enterprise/" + impU,
		"/supervision/holds/33",
		"/supervision/alerts/33",
		"/supervision/stats/33",
		"/validators",
	} {
		v, err := n.c.VerifiedQuery(ctx, path, headers)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if v.Lists == 0 || !strings.Contains(v.Summary(), "proven complete") {
			t.Fatalf("%s: %q does not say its lists were proven complete", path, v.Summary())
		}
	}
	// A batch's recalls are named by its record: no range is read.
	for _, path := range []string{"/trace/code?code=" + qc, "/supervision/recalls?batch=" + batch} {
		v, err := n.c.VerifiedQuery(ctx, path, headers)
		if err != nil {
			t.Fatal(err)
		}
		if v.Lists != 0 || strings.Contains(v.Summary(), "complete") {
			t.Fatalf("%s: %q claims ranges it did not read", path, v.Summary())
		}
	}

	path := "/trace/inbound/" + marketU
	v, err := n.c.VerifiedQuery(ctx, path, headers)
	if err != nil {
		t.Fatal(err)
	}
	list := &types.ConsignmentList{}
	if err := proto.Unmarshal(v.Response.Value, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Consignments) != 3 {
		t.Fatalf("inbound lists %d consignments, want the 3 dispatched", len(list.Consignments))
	}
	for i := range list.Consignments {
		short := &types.ConsignmentList{Consignments: append(append([]*types.Consignment(nil), list.Consignments[:i]...), list.Consignments[i+1:]...)}
		res := cloneResponse(t, v.Response)
		if res.Value, err = proto.Marshal(short); err != nil {
			t.Fatal(err)
		}
		_, err := client.VerifyAnswer(res, path, v.AppHash)
		wantVerificationError(t, err, fmt.Sprintf("consignment %d left out of the answer", i))
	}
	refused := 0
	for i := range v.Response.ProofOps.Ops {
		res := cloneResponse(t, v.Response)
		res.ProofOps.Ops = append(res.ProofOps.Ops[:i:i], res.ProofOps.Ops[i+1:]...)
		if _, err := client.VerifyAnswer(res, path, v.AppHash); err != nil {
			wantVerificationError(t, err, fmt.Sprintf("proof %d left out", i))
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("the answer verifies without any one of its proofs")
	}
}

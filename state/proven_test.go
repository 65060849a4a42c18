package state

import (
	"errors"
	"reflect"
	"testing"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// rangeSnapshot saves keys chosen to meet every case of a range proof: a
// key followed by its own successor (a3, a3\x00), a run of neighbours, a
// first and a last key of the tree.
func rangeSnapshot(t testing.TB) *Snapshot {
	t.Helper()
	tr := OpenMemory(Options{})
	t.Cleanup(func() { _ = tr.Close() })
	for _, k := range []string{"a1", "a3", "a3\x00", "a5", "b1", "c", "z"} {
		if err := tr.Set([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := tr.SaveVersion(); err != nil {
		t.Fatal(err)
	}
	s, err := tr.Immutable(1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type scan struct {
	name       string
	start, end string // "" start: nil; "" end: to the end of the tree
	stopAfter  int
}

func bytesOrNil(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

var scans = []scan{
	{"whole prefix", "a", "b", 0},
	{"stopped after two keys", "a", "b", 2},
	{"stopped at the key before its successor", "a3", "b", 1},
	{"empty range between keys", "a6", "b", 0},
	{"start is a present key", "a3", "b", 0},
	{"start between keys", "a2", "a4", 0},
	{"to the end of the tree", "b", "", 0},
	{"from the beginning of the tree", "", "a2", 0},
	{"empty range before every key", "0", "1", 0},
	{"empty range after every key", "zz", "", 0},
	{"the whole tree", "", "", 0},
}

// provenScan proves the keys a Recorder saw during sc and reads them back.
func provenScan(t *testing.T, s *Snapshot, sc scan) (want []kvPair, ops *cmtcrypto.ProofOps) {
	t.Helper()
	rec := NewRecorder(s)
	want = collect(t, rec, bytesOrNil(sc.start), bytesOrNil(sc.end), sc.stopAfter)
	ops, err := s.ProofOps(rec.Keys())
	if err != nil {
		t.Fatal(err)
	}
	return want, ops
}

// TestProvenRangeComplete: whatever range a reader scans, the proofs the
// Recorder asks for let a Proven KV give back the same keys and values,
// stopping where the reader stopped; without any one of the proofs it
// refuses (or, where another proof says the same, still gives the same).
func TestProvenRangeComplete(t *testing.T) {
	s := rangeSnapshot(t)
	root := s.Hash()
	for _, sc := range scans {
		t.Run(sc.name, func(t *testing.T) {
			want, ops := provenScan(t, s, sc)
			p, err := ReadProofs(ops.Ops, root)
			if err != nil {
				t.Fatal(err)
			}
			if got := collect(t, p, bytesOrNil(sc.start), bytesOrNil(sc.end), sc.stopAfter); !reflect.DeepEqual(got, want) {
				t.Fatalf("proven scan = %q, the tree's = %q", got, want)
			}
			var keys [][]byte
			for _, op := range ops.Ops {
				keys = append(keys, op.Key)
			}
			batch, err := s.BatchProofOps(keys)
			if err != nil {
				t.Fatal(err)
			}
			if p, err = ReadProofs(batch.Ops, root); err != nil {
				t.Fatalf("as one batch: %v", err)
			}
			if got := collect(t, p, bytesOrNil(sc.start), bytesOrNil(sc.end), sc.stopAfter); !reflect.DeepEqual(got, want) {
				t.Fatalf("proven scan from one batch = %q, the tree's = %q", got, want)
			}
			refused := 0
			for i := range ops.Ops {
				less := append(append([]cmtcrypto.ProofOp(nil), ops.Ops[:i]...), ops.Ops[i+1:]...)
				p, err := ReadProofs(less, root)
				if err != nil {
					t.Fatal(err)
				}
				var got []kvPair
				err = p.Iterate(bytesOrNil(sc.start), bytesOrNil(sc.end), func(k, v []byte) bool {
					got = append(got, kvPair{string(k), string(v)})
					return sc.stopAfter <= 0 || len(got) < sc.stopAfter
				})
				var re *RangeError
				switch {
				case errors.As(err, &re) && errors.Is(err, ErrUnproven):
					refused++
				case err != nil:
					t.Fatalf("without proof of %q: %v, want a RangeError", ops.Ops[i].Key, err)
				case !reflect.DeepEqual(got, want):
					t.Fatalf("without proof of %q the scan gives %q, want %q or a refusal", ops.Ops[i].Key, got, want)
				}
			}
			if refused == 0 {
				t.Fatalf("no proof of the %d is needed", len(ops.Ops))
			}
		})
	}
}

// TestProvenIterateUnproven: a Proven KV with no gap proofs, only present
// keys (what a node proving only the keys it returned would give), refuses
// to list a range; a key in a proven gap reads as absent, one outside any
// proof is unproven.
func TestProvenIterateUnproven(t *testing.T) {
	p := NewProven()
	p.Put([]byte("a1"), []byte("x"))
	p.Put([]byte("a5"), []byte("y"))
	err := p.Iterate([]byte("a"), []byte("b"), func(_, _ []byte) bool { return true })
	var re *RangeError
	if !errors.As(err, &re) || string(re.At) != "a" || re.Present {
		t.Fatalf("Iterate with no gap proofs: %v, want a RangeError at a", err)
	}
	p.PutGap(nil, []byte("a1")) // a1 is the first key of the tree
	err = p.Iterate([]byte("a"), []byte("b"), func(_, _ []byte) bool { return true })
	if !errors.As(err, &re) || string(re.At) != "a1" || !re.Present {
		t.Fatalf("Iterate with a hole after a1: %v, want a RangeError at a1", err)
	}
	p.PutGap([]byte("a1"), []byte("a5"))
	for _, tc := range []struct {
		key     string
		want    string
		wantErr error
	}{
		{"a1", "x", nil},
		{"a3", "", nil},         // inside the gap a1..a5
		{"a0\x01", "", nil},     // inside the gap a0..a1
		{"a7", "", ErrUnproven}, // after a5, whose successor is not proven
		{"b", "", ErrUnproven},
	} {
		v, err := p.Get([]byte(tc.key))
		if !errors.Is(err, tc.wantErr) || string(v) != tc.want {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.key, v, err, tc.want, tc.wantErr)
		}
	}
}

// TestReadProofsRefuses: proof ops a node must not send are refused with
// ErrBadProof, naming the op.
func TestReadProofsRefuses(t *testing.T) {
	s := rangeSnapshot(t)
	root := s.Hash()
	_, exist, err := s.Prove([]byte("a1"))
	if err != nil {
		t.Fatal(err)
	}
	_, non, err := s.Prove([]byte("a2"))
	if err != nil {
		t.Fatal(err)
	}
	op := func(key string, p *ics23.CommitmentProof, edit func(*ics23.CommitmentProof)) cmtcrypto.ProofOp {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		cp := &ics23.CommitmentProof{}
		if err := cp.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(cp)
		}
		if b, err = cp.Marshal(); err != nil {
			t.Fatal(err)
		}
		return cmtcrypto.ProofOp{Type: ProofOpType, Key: []byte(key), Data: b}
	}
	batchOps, err := s.BatchProofOps([][]byte{[]byte("a1"), []byte("a2")})
	if err != nil {
		t.Fatal(err)
	}
	batch := &ics23.CommitmentProof{}
	if err := batch.Unmarshal(batchOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadProofs(batchOps.Ops, root); err != nil {
		t.Fatalf("untouched batch: %v", err)
	}
	batchOp := func(p *ics23.CommitmentProof, edit func(*ics23.CompressedBatchProof)) cmtcrypto.ProofOp {
		o := op("", p, func(cp *ics23.CommitmentProof) {
			if edit != nil {
				edit(cp.GetCompressed())
			}
		})
		o.Type = BatchProofOpType
		return o
	}
	for _, tc := range []struct {
		name string
		op   cmtcrypto.ProofOp
	}{
		{"wrong type", cmtcrypto.ProofOp{Type: "simple:v", Key: []byte("a1")}},
		{"undecodable", cmtcrypto.ProofOp{Type: ProofOpType, Key: []byte("a1"), Data: []byte{0xff}}},
		{"empty proof", cmtcrypto.ProofOp{Type: ProofOpType, Key: []byte("a1")}},
		{"membership of another key", op("a3", exist, nil)},
		{"forged value", op("a1", exist, func(p *ics23.CommitmentProof) { p.GetExist().Value = []byte("forged") })},
		{"absence of another key", op("a4", non, nil)},
		{"absence of a key outside the gap", op("a4", non, func(p *ics23.CommitmentProof) { p.GetNonexist().Key = []byte("a4") })},
		{"left neighbour moved", op("a2", non, func(p *ics23.CommitmentProof) { p.GetNonexist().Left.Key = []byte("a0") })},
		{"right neighbour moved", op("a2", non, func(p *ics23.CommitmentProof) { p.GetNonexist().Right.Key = []byte("a4") })},
		{"right neighbour's value", op("a2", non, func(p *ics23.CommitmentProof) { p.GetNonexist().Right.Value = []byte("forged") })},
		{"right neighbour dropped", op("a2", non, func(p *ics23.CommitmentProof) { p.GetNonexist().Right = nil })},
		{"left neighbour dropped", op("a2", non, func(p *ics23.CommitmentProof) { p.GetNonexist().Left = nil })},
		{"a farther key as right neighbour", op("a2", non, func(p *ics23.CommitmentProof) {
			_, far, err := s.Prove([]byte("a5"))
			if err != nil {
				t.Fatal(err)
			}
			p.GetNonexist().Right = far.GetExist()
		})},
		{"batch proof as one key's", op("a1", &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Batch{Batch: &ics23.BatchProof{}}}, nil)},
		{"batch op not compressed", batchOp(&ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Batch{Batch: &ics23.BatchProof{}}}, nil)},
		{"batch op, step outside the table", batchOp(batch, func(c *ics23.CompressedBatchProof) { c.Entries[0].GetExist().Path[0] = int32(len(c.LookupInners)) })},
		{"batch op, negative step", batchOp(batch, func(c *ics23.CompressedBatchProof) { c.Entries[1].GetNonexist().Left.Path[0] = -1 })},
		{"batch op, empty entry", batchOp(batch, func(c *ics23.CompressedBatchProof) { c.Entries[0] = &ics23.CompressedBatchEntry{} })},
		{"batch op, forged value", batchOp(batch, func(c *ics23.CompressedBatchProof) { c.Entries[0].GetExist().Value = []byte("forged") })},
		{"batch op, right neighbour moved", batchOp(batch, func(c *ics23.CompressedBatchProof) { c.Entries[1].GetNonexist().Right.Key = []byte("a4") })},
		{"batch op, inner node changed", batchOp(batch, func(c *ics23.CompressedBatchProof) { c.LookupInners[0].Prefix[0] ^= 1 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ReadProofs([]cmtcrypto.ProofOp{tc.op}, root); !errors.Is(err, ErrBadProof) {
				t.Fatalf("ReadProofs: %v, want ErrBadProof", err)
			}
		})
	}
}

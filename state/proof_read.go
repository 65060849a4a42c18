package state

import (
	"bytes"
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// ErrBadProof is returned (wrapped, with the reason) by ReadProofs for a
// proof op that does not decode or does not verify.
var ErrBadProof = errors.New("state: bad proof")

func proofErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadProof, fmt.Sprintf(format, args...))
}

// ReadProofs checks every proof op against appHash, the app hash of the
// proven height, and returns what they establish: a membership proof its
// key and value; a non-membership proof its key's absence and its
// neighbours, present with their values and with no key between them (the
// gap that makes a listed range complete, docs/ARCHITECTURE.md, "Complete
// answers"). An op is one key's proof (ProofOpType) or a compressed batch
// of them (BatchProofOpType); nothing else is read.
func ReadProofs(ops []cmtcrypto.ProofOp, appHash []byte) (*Proven, error) {
	proven := NewProven()
	for i, op := range ops {
		var p ics23.CommitmentProof
		if op.Type != ProofOpType && op.Type != BatchProofOpType {
			return nil, proofErr("proof %d has type %q, want %q or %q", i, op.Type, ProofOpType, BatchProofOpType)
		}
		if err := p.Unmarshal(op.Data); err != nil {
			return nil, proofErr("proof %d does not decode: %v", i, err)
		}
		if op.Type == ProofOpType {
			if err := readProof(proven, &p, op.Key, appHash); err != nil {
				return nil, proofErr("proof %d %v", i, err)
			}
			continue
		}
		entries, err := batchEntries(&p)
		if err != nil {
			return nil, proofErr("proof %d: %v", i, err)
		}
		for j, e := range entries {
			key := e.GetExist().GetKey()
			if non := e.GetNonexist(); non != nil {
				key = non.Key
			}
			if err := readProof(proven, e, key, appHash); err != nil {
				return nil, proofErr("proof %d, entry %d %v", i, j, err)
			}
		}
	}
	return proven, nil
}

// readProof verifies one existence or non-existence proof of key and puts
// what it proves into proven.
func readProof(proven *Proven, p *ics23.CommitmentProof, key, appHash []byte) error {
	if ex := p.GetExist(); ex != nil {
		if !bytes.Equal(ex.Key, key) {
			return fmt.Errorf("proves key %X, not %X", ex.Key, key)
		}
		if !ics23.VerifyMembership(ics23.IavlSpec, appHash, p, key, ex.Value) {
			return fmt.Errorf("of key %X does not verify against app hash %X", key, appHash)
		}
		proven.Put(key, ex.Value)
		return nil
	}
	non := p.GetNonexist()
	if non == nil {
		return fmt.Errorf("of key %X is neither a membership nor a non-membership proof", key)
	}
	if !bytes.Equal(non.Key, key) {
		return fmt.Errorf("proves the absence of key %X, not %X", non.Key, key)
	}
	// The neighbours are verified here, with their adjacency, before
	// anything is taken from them.
	if !ics23.VerifyNonMembership(ics23.IavlSpec, appHash, p, key) {
		return fmt.Errorf("of the absence of key %X (neighbours %s) does not verify against app hash %X", key, neighbours(non), appHash)
	}
	proven.Put(key, nil)
	var left, right []byte
	if non.Left != nil {
		left = non.Left.Key
		proven.Put(left, non.Left.Value)
	}
	if non.Right != nil {
		right = non.Right.Key
		proven.Put(right, non.Right.Value)
	}
	proven.PutGap(left, right)
	return nil
}

func neighbours(non *ics23.NonExistenceProof) string {
	side := func(e *ics23.ExistenceProof, none string) string {
		if e == nil {
			return none
		}
		return fmt.Sprintf("%X", e.Key)
	}
	return side(non.Left, "the start of the tree") + " and " + side(non.Right, "the end of the tree")
}

// batchEntries unpacks a compressed batch proof into single proofs. It
// checks what ics23's own Decompress would index or dereference unchecked
// (a step outside the table, an empty entry), since the proof comes from
// outside.
func batchEntries(p *ics23.CommitmentProof) ([]*ics23.CommitmentProof, error) {
	c := p.GetCompressed()
	if c == nil {
		return nil, errors.New("a batch op must hold a compressed batch proof")
	}
	lookup := c.LookupInners
	exist := func(e *ics23.CompressedExistenceProof) (*ics23.ExistenceProof, error) {
		if e == nil {
			return nil, nil
		}
		path := make([]*ics23.InnerOp, len(e.Path))
		for i, step := range e.Path {
			if step < 0 || int(step) >= len(lookup) || lookup[step] == nil {
				return nil, fmt.Errorf("step %d names inner node %d of %d", i, step, len(lookup))
			}
			path[i] = lookup[step]
		}
		return &ics23.ExistenceProof{Key: e.Key, Value: e.Value, Leaf: e.Leaf, Path: path}, nil
	}
	out := make([]*ics23.CommitmentProof, 0, len(c.Entries))
	for j, ce := range c.Entries {
		switch {
		case ce.GetExist() != nil:
			ex, err := exist(ce.GetExist())
			if err != nil {
				return nil, fmt.Errorf("entry %d: %v", j, err)
			}
			out = append(out, &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Exist{Exist: ex}})
		case ce.GetNonexist() != nil:
			cn := ce.GetNonexist()
			left, err := exist(cn.Left)
			if err != nil {
				return nil, fmt.Errorf("entry %d, left neighbour: %v", j, err)
			}
			right, err := exist(cn.Right)
			if err != nil {
				return nil, fmt.Errorf("entry %d, right neighbour: %v", j, err)
			}
			out = append(out, &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Nonexist{Nonexist: &ics23.NonExistenceProof{Key: cn.Key, Left: left, Right: right}}})
		default:
			return nil, fmt.Errorf("entry %d is neither a membership nor a non-membership proof", j)
		}
	}
	return out, nil
}

package state

import (
	"bytes"
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// ProofOpType is the CometBFT proof op type of an IAVL ics23 proof.
const ProofOpType = "ics23:iavl"

// Prove returns the value under key with an ics23 proof against the
// snapshot's root hash: a membership proof when the key exists, a
// non-membership proof when it does not (value is then nil).
func (s *Snapshot) Prove(key []byte) (value []byte, proof *ics23.CommitmentProof, err error) {
	value, err = s.tree.Get(key)
	if err != nil {
		return nil, nil, err
	}
	if value == nil {
		proof, err = s.tree.GetNonMembershipProof(key)
	} else {
		proof, err = s.tree.GetMembershipProof(key)
	}
	return value, proof, err
}

// VerifyProof checks an ics23 proof of key (and value, or its absence when
// value is nil) against root, the app hash of the proven height.
func VerifyProof(root []byte, proof *ics23.CommitmentProof, key, value []byte) bool {
	if value == nil {
		return ics23.VerifyNonMembership(ics23.IavlSpec, root, proof, key)
	}
	return ics23.VerifyMembership(ics23.IavlSpec, root, proof, key, value)
}

// ProofOps proves each key with one ics23:iavl op, in the order given: the
// proof a node attaches to an answer read through a Recorder (Keys).
func (s *Snapshot) ProofOps(keys [][]byte) (*cmtcrypto.ProofOps, error) {
	ops := &cmtcrypto.ProofOps{Ops: make([]cmtcrypto.ProofOp, 0, len(keys))}
	for _, k := range keys {
		_, p, err := s.Prove(k)
		if err != nil {
			return nil, err
		}
		data, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		ops.Ops = append(ops.Ops, cmtcrypto.ProofOp{Type: ProofOpType, Key: k, Data: data})
	}
	return ops, nil
}

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
// gap that makes a listed range complete, docs/ARCHITECTURE.md "Proofs").
// Only single existence and non-existence proofs are read.
func ReadProofs(ops []cmtcrypto.ProofOp, appHash []byte) (*Proven, error) {
	proven := NewProven()
	for i, op := range ops {
		if op.Type != ProofOpType {
			return nil, proofErr("proof %d has type %q, want %q", i, op.Type, ProofOpType)
		}
		var p ics23.CommitmentProof
		if err := p.Unmarshal(op.Data); err != nil {
			return nil, proofErr("proof %d does not decode: %v", i, err)
		}
		if ex := p.GetExist(); ex != nil {
			if !bytes.Equal(ex.Key, op.Key) {
				return nil, proofErr("proof %d proves key %X, not %X", i, ex.Key, op.Key)
			}
			if !ics23.VerifyMembership(ics23.IavlSpec, appHash, &p, op.Key, ex.Value) {
				return nil, proofErr("proof %d of key %X does not verify against app hash %X", i, op.Key, appHash)
			}
			proven.Put(op.Key, ex.Value)
			continue
		}
		non := p.GetNonexist()
		if non == nil {
			return nil, proofErr("proof %d of key %X is neither a membership nor a non-membership proof", i, op.Key)
		}
		if !bytes.Equal(non.Key, op.Key) {
			return nil, proofErr("proof %d proves the absence of key %X, not %X", i, non.Key, op.Key)
		}
		// The neighbours are verified here, with their adjacency, before
		// anything is taken from them.
		if !ics23.VerifyNonMembership(ics23.IavlSpec, appHash, &p, op.Key) {
			return nil, proofErr("proof %d of the absence of key %X (neighbours %s) does not verify against app hash %X", i, op.Key, neighbours(non), appHash)
		}
		proven.Put(op.Key, nil)
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
	}
	return proven, nil
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

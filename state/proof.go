package state

import (
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// ProofOpType is the CometBFT proof op type of an IAVL ics23 proof of one
// key (op.Key): a membership or a non-membership proof.
const ProofOpType = "ics23:iavl"

// BatchProofOpType is the op type of one ics23 compressed batch proof of
// many keys (op.Key empty): each entry a membership or non-membership
// proof as under ProofOpType, the inner nodes their paths share (most of
// them, for a listed range and its neighbours) sent once.
const BatchProofOpType = "ics23:iavl-batch"

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

// BatchProofOps proves keys as ProofOps does, in one BatchProofOpType op
// (one key: a plain ProofOpType op). Several times smaller for a list; its
// reader (ReadProofs) verifies each entry as it would a single proof.
func (s *Snapshot) BatchProofOps(keys [][]byte) (*cmtcrypto.ProofOps, error) {
	if len(keys) < 2 {
		return s.ProofOps(keys)
	}
	proofs := make([]*ics23.CommitmentProof, 0, len(keys))
	for _, k := range keys {
		_, p, err := s.Prove(k)
		if err != nil {
			return nil, err
		}
		proofs = append(proofs, p)
	}
	batch, err := ics23.CombineProofs(proofs)
	if err != nil {
		return nil, err
	}
	data, err := batch.Marshal()
	if err != nil {
		return nil, err
	}
	return &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: BatchProofOpType, Data: data}}}, nil
}

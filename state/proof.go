package state

import (
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

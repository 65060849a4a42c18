package state

import (
	"crypto/ed25519"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// State gives typed reads and writes over any KV.
type State struct {
	KV
}

// New wraps kv.
func New(kv KV) *State { return &State{KV: kv} }

var marshal = proto.MarshalOptions{Deterministic: true}

func (s *State) put(key []byte, m proto.Message) error {
	b, err := marshal.Marshal(m)
	if err != nil {
		return fmt.Errorf("state: encode %s: %w", m.ProtoReflect().Descriptor().Name(), err)
	}
	return s.Set(key, b)
}

func unmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

// load reads key into m; it reports false when the key is absent.
func (s *State) load(key []byte, m proto.Message) (bool, error) {
	b, err := s.Get(key)
	if err != nil || b == nil {
		return false, err
	}
	if err := unmarshal(b, m); err != nil {
		return false, fmt.Errorf("state: decode %s at %X: %w", m.ProtoReflect().Descriptor().Name(), key, err)
	}
	return true, nil
}

// Params returns the chain parameters.
func (s *State) Params() (*types.Params, error) {
	p := &types.Params{}
	ok, err := s.load(ParamsKey(), p)
	if err == nil && !ok {
		err = fmt.Errorf("state: params are missing (genesis not applied)")
	}
	return p, err
}

func (s *State) SetParams(p *types.Params) error { return s.put(ParamsKey(), p) }

// Regulator returns the regulator of a division, or nil.
func (s *State) Regulator(division string) (*types.Regulator, error) {
	r := &types.Regulator{}
	ok, err := s.load(RegulatorKey(division), r)
	if !ok {
		return nil, err
	}
	return r, nil
}

func (s *State) SetRegulator(r *types.Regulator) error { return s.put(RegulatorKey(r.Division), r) }

// Enterprise returns an enterprise by USCC, or nil.
func (s *State) Enterprise(uscc string) (*types.Enterprise, error) {
	e := &types.Enterprise{}
	ok, err := s.load(EnterpriseKey(uscc), e)
	if !ok {
		return nil, err
	}
	return e, nil
}

// SetEnterprise writes the record and its division index entry (the division never changes).
func (s *State) SetEnterprise(e *types.Enterprise) error {
	if err := s.Set(EnterpriseByDivisionKey(e.Division, e.Uscc), present); err != nil {
		return err
	}
	return s.put(EnterpriseKey(e.Uscc), e)
}

// Account returns the account of a public key, or nil.
func (s *State) Account(pub []byte) (*types.Account, error) {
	a := &types.Account{}
	ok, err := s.load(AccountKey(pub), a)
	if !ok {
		return nil, err
	}
	return a, nil
}

// SetAccount writes the account and its owner index entry.
func (s *State) SetAccount(a *types.Account) error {
	if err := s.Set(KeyByOwnerKey(a.OwnerKind, a.OwnerId, a.Key), present); err != nil {
		return err
	}
	return s.put(AccountKey(a.Key), a)
}

// Enterprises lists enterprises whose division starts with divPrefix, in
// (division, uscc) order, starting after the index position `after`
// ("division/uscc" as returned in a page's next), at most limit of them.
func (s *State) Enterprises(divPrefix, after string, limit int) ([]*types.Enterprise, string, error) {
	prefix := EnterpriseByDivisionPrefix(divPrefix)
	start := prefix
	if after != "" {
		if len(after) != 6+1+18 || after[6] != '/' {
			return nil, "", types.ErrBadQuery.Wrapf("after %q is not a division/uscc page position", after)
		}
		if !strings.HasPrefix(after[:6], divPrefix) {
			// Iterating from a position below the prefix would list other divisions.
			return nil, "", types.ErrBadQuery.Wrapf("after %q is not under division prefix %q", after, divPrefix)
		}
		start = append(EnterpriseByDivisionKey(after[:6], after[7:]), 0)
	}
	var usccs []string
	more := false
	err := s.Iterate(start, PrefixEnd(prefix), func(k, _ []byte) bool {
		if len(usccs) == limit {
			more = true
			return false
		}
		usccs = append(usccs, string(k[7:]))
		return true
	})
	if err != nil {
		return nil, "", err
	}
	out := make([]*types.Enterprise, 0, len(usccs))
	for _, u := range usccs {
		e, err := s.Enterprise(u)
		if err != nil {
			return nil, "", err
		}
		if e == nil {
			return nil, "", fmt.Errorf("state: index names enterprise %s that has no record", u)
		}
		out = append(out, e)
	}
	next := ""
	if more && len(out) > 0 {
		last := out[len(out)-1]
		next = last.Division + "/" + last.Uscc
	}
	return out, next, nil
}

// Keys lists the accounts of one owner, in key order.
func (s *State) Keys(kind types.OwnerKind, ownerID string) ([]*types.Account, error) {
	prefix := KeyByOwnerPrefix(kind, ownerID)
	var pubs [][]byte
	err := s.Iterate(prefix, PrefixEnd(prefix), func(k, _ []byte) bool {
		// An id of the wrong width is a prefix of other owners' entries; skip them.
		if n := len(k) - len(prefix); n == ed25519.PublicKeySize || n == types.SM2PublicKeySize {
			pubs = append(pubs, append([]byte(nil), k[len(prefix):]...))
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]*types.Account, 0, len(pubs))
	for _, p := range pubs {
		a, err := s.Account(p)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ChainID returns the chain id recorded at genesis ("" before genesis).
func (s *State) ChainID() (string, error) {
	b, err := s.Get(ChainIDKey())
	return string(b), err
}

func (s *State) SetChainID(id string) error { return s.Set(ChainIDKey(), []byte(id)) }

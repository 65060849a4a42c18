package state

import (
	"fmt"

	"github.com/coldtrace/coldtrace/types"
)

// Validator returns the validator of a consensus key, or nil.
func (s *State) Validator(pub []byte) (*types.Validator, error) {
	v := &types.Validator{}
	ok, err := s.load(ValidatorKey(pub), v)
	if !ok {
		return nil, err
	}
	return v, nil
}

// SetValidator writes a validator record.
func (s *State) SetValidator(v *types.Validator) error { return s.put(ValidatorKey(v.PubKey), v) }

// DeleteValidator removes a validator record.
func (s *State) DeleteValidator(pub []byte) error { return s.Delete(ValidatorKey(pub)) }

// Validators returns the whole set, ordered by consensus key.
func (s *State) Validators() ([]*types.Validator, error) {
	var out []*types.Validator
	var derr error
	p := ValidatorPrefix()
	err := s.Iterate(p, PrefixEnd(p), func(k, b []byte) bool {
		v := &types.Validator{}
		if derr = unmarshal(b, v); derr != nil {
			derr = fmt.Errorf("state: decode validator at %X: %w", k, derr)
			return false
		}
		out = append(out, v)
		return true
	})
	if err == nil {
		err = derr
	}
	return out, err
}

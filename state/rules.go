package state

import "github.com/coldtrace/coldtrace/types"

// Rules returns the rules record; a chain that never recorded one runs
// rules v1 since its first height, with nothing scheduled.
func (s *State) Rules() (*types.Rules, error) {
	r := &types.Rules{}
	ok, err := s.load(RulesKey(), r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &types.Rules{Version: types.RulesV1}, nil
	}
	return r, nil
}

// SetRules writes the rules record.
func (s *State) SetRules(r *types.Rules) error { return s.put(RulesKey(), r) }

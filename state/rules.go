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

// AddedDivision returns a division the root regulator added, or nil.
func (s *State) AddedDivision(code string) (*types.AddedDivision, error) {
	d := &types.AddedDivision{}
	ok, err := s.load(DivisionKey(code), d)
	if !ok {
		return nil, err
	}
	return d, nil
}

// SetAddedDivision records a division the root regulator added.
func (s *State) SetAddedDivision(d *types.AddedDivision) error {
	return s.put(DivisionKey(d.Division), d)
}

// DivisionExists reports whether a division is in the GB/T 2260 list the
// binary ships or was added on chain.
func (s *State) DivisionExists(code string) (bool, error) {
	if _, ok := types.ListedDivision(code); ok {
		return true, nil
	}
	d, err := s.AddedDivision(code)
	return d != nil, err
}

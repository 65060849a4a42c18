package state

import (
	"encoding/binary"

	"github.com/coldtrace/coldtrace/types"
)

// SetSupplied records that sender dispatched to a buyer in division at timeMs.
func (s *State) SetSupplied(sender, division string, timeMs int64) error {
	return s.Set(SuppliedKey(sender, division), binary.BigEndian.AppendUint64(nil, uint64(timeMs)))
}

// SuppliedSince lists, in order, the divisions sender dispatched to at or after sinceMs.
func (s *State) SuppliedSince(sender string, sinceMs int64) ([]string, error) {
	p := SuppliedPrefix(sender)
	var out []string
	err := s.Iterate(p, PrefixEnd(p), func(k, v []byte) bool {
		if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) >= sinceMs {
			out = append(out, string(k[len(p):]))
		}
		return true
	})
	return out, err
}

// SiteTest returns a site test, or nil.
func (s *State) SiteTest(id uint64) (*types.SiteTest, error) {
	t := &types.SiteTest{}
	ok, err := s.load(SiteTestKey(id), t)
	if !ok {
		return nil, err
	}
	return t, nil
}

// SetSiteTest writes a site test.
func (s *State) SetSiteTest(t *types.SiteTest) error { return s.put(SiteTestKey(t.Id), t) }

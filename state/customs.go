package state

import (
	"encoding/binary"

	"github.com/coldtrace/coldtrace/types"
)

// Customs watch kinds.
const (
	WatchUnverified     byte = 'U' // a batch still waiting for its declaration
	WatchUncommissioned byte = 'D' // a declaration no commission has cited
)

// WatchCustoms schedules (on) or cancels a customs check.
func (s *State) WatchCustoms(dueMs int64, kind byte, id string, on bool) error {
	if on {
		return s.Set(CustomsWatchKey(dueMs, kind, id), present)
	}
	return s.Delete(CustomsWatchKey(dueMs, kind, id))
}

// SetPendingDeclaration indexes (on) or unindexes a batch under the
// declaration it waits for.
func (s *State) SetPendingDeclaration(number, batchID string, on bool) error {
	if on {
		return s.Set(PendingDeclarationKey(number, batchID), present)
	}
	return s.Delete(PendingDeclarationKey(number, batchID))
}

// PendingBatches lists, in order, the batches waiting for a declaration.
func (s *State) PendingBatches(number string, limit int) ([]string, error) {
	p := PendingDeclarationPrefix(number)
	var out []string
	err := s.Iterate(p, PrefixEnd(p), func(k, _ []byte) bool {
		out = append(out, string(k[len(p):]))
		return len(out) < limit
	})
	return out, err
}

// ReleaseCertificate returns a release certificate, or nil.
func (s *State) ReleaseCertificate(number string) (*types.ReleaseCertificate, error) {
	c := &types.ReleaseCertificate{}
	ok, err := s.load(ReleaseCertificateKey(number), c)
	if !ok {
		return nil, err
	}
	return c, nil
}

// SetReleaseCertificate writes a release certificate.
func (s *State) SetReleaseCertificate(c *types.ReleaseCertificate) error {
	return s.put(ReleaseCertificateKey(c.Number), c)
}

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

package state

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

// PendingBatches lists, in order, the batches of an importer waiting for a
// declaration (batch ids begin with their commissioner's credit code).
func (s *State) PendingBatches(number, importer string, limit int) ([]string, error) {
	p := append(PendingDeclarationPrefix(number), importer...)
	var out []string
	err := s.Iterate(p, PrefixEnd(p), func(k, _ []byte) bool {
		out = append(out, string(k[len(p)-len(importer):]))
		return len(out) < limit
	})
	return out, err
}

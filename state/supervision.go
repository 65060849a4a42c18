package state

import (
	"github.com/coldtrace/coldtrace/types"
)

// Customs returns the customs authority, or nil when genesis named none.
func (s *State) Customs() (*types.Customs, error) {
	c := &types.Customs{}
	ok, err := s.load(CustomsKey(), c)
	if !ok {
		return nil, err
	}
	return c, nil
}

func (s *State) SetCustoms(c *types.Customs) error { return s.put(CustomsKey(), c) }

// Declaration returns a customs declaration, or nil.
func (s *State) Declaration(number string) (*types.Declaration, error) {
	d := &types.Declaration{}
	ok, err := s.load(DeclarationKey(number), d)
	if !ok {
		return nil, err
	}
	return d, nil
}

func (s *State) SetDeclaration(d *types.Declaration) error {
	return s.put(DeclarationKey(d.Declaration.Number), d)
}

// NextID issues the next id of a sequence ("alert", "recall"), from 1.
func (s *State) NextID(name string) (uint64, error) { return s.nextCounter(SequenceKey(name)) }

// Recall returns a recall, or nil.
func (s *State) Recall(id uint64) (*types.Recall, error) {
	r := &types.Recall{}
	ok, err := s.load(RecallKey(id), r)
	if !ok {
		return nil, err
	}
	return r, nil
}

func (s *State) SetRecall(r *types.Recall) error { return s.put(RecallKey(r.Id), r) }

// Alert returns an alert, or nil.
func (s *State) Alert(id uint64) (*types.Alert, error) {
	a := &types.Alert{}
	ok, err := s.load(AlertKey(id), a)
	if !ok {
		return nil, err
	}
	return a, nil
}

// SetAlert writes an alert and keeps the open-alerts index in step.
func (s *State) SetAlert(a *types.Alert) error {
	var err error
	if a.Open {
		err = s.Set(OpenAlertKey(a.Division, a.Id), present)
	} else {
		err = s.Delete(OpenAlertKey(a.Division, a.Id))
	}
	if err != nil {
		return err
	}
	return s.put(AlertKey(a.Id), a)
}

// DayStats returns a division's counters for a day (zero counters when none).
func (s *State) DayStats(division, day string) (*types.DayStats, error) {
	d := &types.DayStats{Division: division, Day: day}
	if _, err := s.load(DayStatsKey(division, day), d); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *State) SetDayStats(d *types.DayStats) error { return s.put(DayStatsKey(d.Division, d.Day), d) }

// SetHeldIn adds or removes a held code from the holds index of a division.
func (s *State) SetHeldIn(division, code string, held bool) error {
	if held {
		return s.Set(HoldKey(division, code), present)
	}
	return s.Delete(HoldKey(division, code))
}

// WatchReceipt schedules (or, with on=false, cancels) the receipt check of a consignment.
func (s *State) WatchReceipt(dueMs int64, id []byte, on bool) error {
	if on {
		return s.Set(ReceiptWatchKey(dueMs, id), present)
	}
	return s.Delete(ReceiptWatchKey(dueMs, id))
}

// WatchExpiry schedules the expiry check of a batch.
func (s *State) WatchExpiry(date, batchID string) error {
	return s.Set(ExpiryWatchKey(date, batchID), present)
}

// Due returns up to limit keys under prefix that sort before end (the
// entries whose time has come), as full keys.
func (s *State) Due(prefix, end []byte, limit int) ([][]byte, error) {
	var out [][]byte
	err := s.Iterate(prefix, end, func(k, _ []byte) bool {
		out = append(out, append([]byte(nil), k...))
		return len(out) < limit
	})
	return out, err
}

// BlockDate returns the UTC date (YYYY-MM-DD) of the last block, "" before the first.
func (s *State) BlockDate() (string, error) {
	b, err := s.Get(BlockDateKey())
	return string(b), err
}

// SetBlockDate records the date of the block being executed; it writes only
// when the date changes, so the app hash moves once a day, not every block.
func (s *State) SetBlockDate(date string) error {
	old, err := s.BlockDate()
	if err != nil || old == date {
		return err
	}
	return s.Set(BlockDateKey(), []byte(date))
}

package export

import (
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// TestOfflineScanTimes: an event signed with the time of an offline scan
// is exported as having happened then (eventTime), recorded at its block
// (recordTime); one without keeps its block's time and no recordTime.
func TestOfflineScanTimes(t *testing.T) {
	f := newFixture(t)
	hs := f.histories()
	x, err := newIndex(hs, fixtureOptions())
	if err != nil {
		t.Fatal(err)
	}
	e := x.entries[0]
	plain, err := x.mapEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	if plain.RecordTime != "" || plain.EventTime != timestamp(e.ev.TimeMs) {
		t.Fatalf("event without a scan time: eventTime %s recordTime %q", plain.EventTime, plain.RecordTime)
	}
	scanned := e.ev.TimeMs - (3 * time.Hour).Milliseconds()
	e.ev.EventTimeMs = scanned
	off, err := x.mapEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	if off.EventTime != timestamp(scanned) || off.RecordTime != timestamp(e.ev.TimeMs) {
		t.Fatalf("offline scan: eventTime %s recordTime %s", off.EventTime, off.RecordTime)
	}
	if got := occurredMs(&types.Event{TimeMs: 5}); got != 5 {
		t.Fatalf("occurredMs %d", got)
	}
}

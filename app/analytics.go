package app

import (
	"bytes"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// EnableAnalytics makes the node's block results carry what an analytics
// database needs (docs/ARCHITECTURE.md, "Analytics events"): every change of
// a division's day figures becomes a figures, figures_import or
// figures_flow event, and every attribute of every event is marked indexed,
// so CometBFT's psql event sink, which stores indexed attributes only, keeps
// them all. Call it before the node starts, on a non-validator full node
// that writes to PostgreSQL; validators leave it off and keep their kv index
// light. Events are no part of the app hash nor of CometBFT's results hash
// (DeterministicExecTxResult keeps only code, data and gas), so nodes with and
// without it agree on every block.
func (a *App) EnableAnalytics() { a.analytics = true }

// figureTap passes writes through to the block's tree and, for each day
// figures record written, records how much each counter grew as events.
// The tx's cache writes its keys to it in key order, so the events come in
// the same order on every node.
type figureTap struct {
	state.KV
	events []abci.Event
}

var dayStatsPrefix = state.DayStatsPrefix("")

func (t *figureTap) Set(key, value []byte) error {
	if bytes.HasPrefix(key, dayStatsPrefix) {
		var before, after types.DayStats
		old, err := t.KV.Get(key)
		if err != nil {
			return err
		}
		// Both encodings are the app's own; one that does not decode gives
		// no events rather than a stopped node.
		if proto.Unmarshal(old, &before) == nil && proto.Unmarshal(value, &after) == nil {
			t.events = append(t.events, figureEvents(&before, &after)...)
		}
	}
	return t.KV.Set(key, value)
}

// take returns the events recorded since the last take, each naming signer
// (the tx's signer; empty for a block's time-triggered checks).
func (t *figureTap) take(signer string) []abci.Event {
	ev := t.events
	t.events = nil
	if signer != "" {
		for i := range ev {
			ev[i].Attributes = append(ev[i].Attributes, Attr("signer", signer))
		}
	}
	return ev
}

// figureCounters are DayStats' single counters, named as in its protobuf
// message and as the figures event's attributes.
var figureCounters = []struct {
	name string
	get  func(*types.DayStats) uint64
}{
	{"codes_commissioned", (*types.DayStats).GetCodesCommissioned},
	{"quantity_received_from_outside", (*types.DayStats).GetQuantityReceivedFromOutside},
	{"quantity_sold", (*types.DayStats).GetQuantitySold},
	{"holds", (*types.DayStats).GetHolds},
	{"positives", (*types.DayStats).GetPositives},
	{"alerts", (*types.DayStats).GetAlerts},
	{"warehouse_entered_grams", (*types.DayStats).GetWarehouseEnteredGrams},
	{"warehouse_released_grams", (*types.DayStats).GetWarehouseReleasedGrams},
	{"destroyed_grams", (*types.DayStats).GetDestroyedGrams},
	{"blocked_grams", (*types.DayStats).GetBlockedGrams},
	{"positives_staff", (*types.DayStats).GetPositivesStaff},
	{"positives_environment", (*types.DayStats).GetPositivesEnvironment},
	{"commissioned_grams", (*types.DayStats).GetCommissionedGrams},
}

// figureEvents are the growth from before to after of one division's day
// figures: a figures event with the counters that grew, one figures_import
// per (origin, port) and one figures_flow per (origin, source division)
// that grew, in the figures' own (sorted) order. Counters only grow, so a difference is what was added (modulo
// 2^64, as the sum itself under rules v1).
func figureEvents(before, after *types.DayStats) []abci.Event {
	where := func() []abci.EventAttribute {
		return []abci.EventAttribute{Attr("division", after.Division), Attr("day", after.Day)}
	}
	var out []abci.Event
	attrs := where()
	for _, c := range figureCounters {
		if d := c.get(after) - c.get(before); d != 0 {
			attrs = append(attrs, Attr(c.name, u64(d)))
		}
	}
	if len(attrs) > 2 {
		out = append(out, abci.Event{Type: "figures", Attributes: attrs})
	}
	imports := make(map[[2]string]*types.ImportFigure, len(before.Imports))
	for _, o := range before.Imports {
		imports[[2]string{o.OriginCountry, o.Port}] = o
	}
	for _, f := range after.Imports {
		o := imports[[2]string{f.OriginCountry, f.Port}]
		declared, commissioned := o.GetDeclaredGrams(), o.GetCommissionedGrams()
		if f.DeclaredGrams != declared || f.CommissionedGrams != commissioned {
			out = append(out, abci.Event{Type: "figures_import", Attributes: append(where(),
				Attr("origin", f.OriginCountry), Attr("port", f.Port),
				Attr("declared_grams", u64(f.DeclaredGrams-declared)), Attr("commissioned_grams", u64(f.CommissionedGrams-commissioned)))})
		}
	}
	flows := make(map[[2]string]uint64, len(before.Flows))
	for _, o := range before.Flows {
		flows[[2]string{o.OriginCountry, o.SourceDivision}] = o.Quantity
	}
	for _, f := range after.Flows {
		q := flows[[2]string{f.OriginCountry, f.SourceDivision}]
		if f.Quantity != q {
			out = append(out, abci.Event{Type: "figures_flow", Attributes: append(where(),
				Attr("origin", f.OriginCountry), Attr("source", f.SourceDivision), Attr("quantity", u64(f.Quantity-q)))})
		}
	}
	return out
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// indexAll marks every attribute indexed, for the psql sink to keep it.
func indexAll(events []abci.Event) {
	for i := range events {
		for j := range events[i].Attributes {
			events[i].Attributes[j].Index = true
		}
	}
}

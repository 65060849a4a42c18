package app

import (
	"crypto/sha256"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// goodsRecords is the trace itself: codes, batches, events, holdings and
// consignments.
type goodsRecords interface {
	Enterprise(uscc string) (*types.Enterprise, error)
	Batch(id string) (*types.Batch, error)
	SetBatch(*types.Batch) error
	Code(code string) (*types.CodeRecord, error)
	SetCode(*types.CodeRecord) error
	IndexBatchCode(batchID, code string) error
	SetHolding(holder, code string, quantity uint64) error
	Event(hash []byte) (*types.Event, []byte, error)
	PutEvent(*types.Event) ([]byte, []byte, error)
	AppendHistory(c *types.CodeRecord, eventBytes, eventHash []byte) error
	Consignment(id []byte) (*types.Consignment, error)
	SetConsignment(*types.Consignment) error
	NextNativeNumber(issuer string) (uint64, error)
	OriginCode(origin string) (string, error)
	SetOriginCode(origin, code string) error
}

// supervisionChecks is what every move of goods checks or raises on the
// supervision side: parameters, declarations, alerts, counters, the holds
// index and the time-triggered watches.
type supervisionChecks interface {
	Params() (*types.Params, error)
	Declaration(number string) (*types.Declaration, error)
	SetDeclaration(*types.Declaration) error
	NextID(name string) (uint64, error)
	SetAlert(*types.Alert) error
	DayStats(division, day string) (*types.DayStats, error)
	SetDayStats(*types.DayStats) error
	SetHeldIn(division, code string, held bool) error
	WatchReceipt(dueMs int64, id []byte, on bool) error
	WatchExpiry(date, batchID string) error
	SetPendingDeclaration(number, batchID string, on bool) error
	WatchCustoms(dueMs int64, kind byte, id string, on bool) error
	SetSupplied(sender, division string, timeMs int64) error
}

// traceStore is all the trace handlers may touch: the goods and the checks
// their moves make. Recording recalls, reading alerts back and walking key
// ranges belong to supervision only (supervisionStore).
type traceStore interface {
	goodsRecords
	supervisionChecks
}

// maxListedCodes is how many codes an event lists; above it (a hold of a
// large batch or site) it records their count only (rules v3).
const maxListedCodes = 1000

// changes gathers what one trace message does to code records, then writes
// it in one deterministic pass: the event once, and for each touched code
// (in code order) its history entry, its record and its holdings index.
type changes struct {
	ctx         *Context
	st          traceStore
	recs        map[string]*types.CodeRecord
	batches     map[string]*types.Batch
	held        map[[2]string]bool // (holder, code) pairs whose holding changed
	enterprises map[string]*types.Enterprise
	stats       map[string]*types.DayStats // by division, for the block's day
}

func newChanges(ctx *Context, st traceStore) *changes {
	return &changes{ctx: ctx, st: st, recs: map[string]*types.CodeRecord{}, batches: map[string]*types.Batch{},
		held: map[[2]string]bool{}, enterprises: map[string]*types.Enterprise{}, stats: map[string]*types.DayStats{}}
}

// enterprise reads an enterprise once per message.
func (c *changes) enterprise(uscc string) (*types.Enterprise, error) {
	if e, ok := c.enterprises[uscc]; ok {
		return e, nil
	}
	e, err := c.st.Enterprise(uscc)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, types.ErrInternal.Wrapf("enterprise %s holds goods but has no record", uscc)
	}
	c.enterprises[uscc] = e
	return e, nil
}

// statsFor returns the block day's counters of a division, written at commit.
func (c *changes) statsFor(division string) (*types.DayStats, error) {
	if d, ok := c.stats[division]; ok {
		return d, nil
	}
	if c.ctx.inCheckTx {
		// The mempool neither reads nor keeps the figures: a counter every
		// tx wrote would make every pending tx depend on every other one
		// and defeat the replaying recheck (recheck.go).
		d := &types.DayStats{Division: division, Day: c.ctx.day()}
		c.stats[division] = d
		return d, nil
	}
	d, err := c.st.DayStats(division, c.ctx.day())
	if err != nil {
		return nil, err
	}
	c.stats[division] = d
	return d, nil
}

// alert raises an alert now; it stays open until a regulator acknowledges it.
func (c *changes) alert(kind types.AlertKind, division, message string, codes []string, batch string, consignment []byte) error {
	id, err := c.st.NextID("alert")
	if err != nil {
		return err
	}
	d, err := c.statsFor(division)
	if err != nil {
		return err
	}
	d.Alerts++
	c.ctx.Emit("alert", Indexed("division", division), Attr("id", strconv.FormatUint(id, 10)), Attr("kind", kind.String()))
	return c.st.SetAlert(&types.Alert{
		Id: id, Kind: kind, Division: division, Message: message, Codes: codes, Batch: batch, Consignment: consignment,
		Height: c.ctx.Height, TimeMs: c.ctx.Time.UnixMilli(), Open: true,
	})
}

// hold stops a code from moving and indexes it under its holders' divisions.
// source says who held it: a regulator's division, "test", "sensor" or "recall".
func (c *changes) hold(r *types.CodeRecord, status types.CodeStatus, source, reason string) error {
	if r.Status == types.CodeStatus_CODE_STATUS_DESTROYED {
		return nil
	}
	if r.Status == types.CodeStatus_CODE_STATUS_ACTIVE {
		divs := map[string]bool{}
		for _, h := range r.Holdings {
			e, err := c.enterprise(h.Holder)
			if err != nil {
				return err
			}
			divs[e.Division] = true
		}
		if c.ctx.Rules.CustomsLoop() {
			// Goods on the road are held too, and listed where they are going.
			for _, id := range r.OpenConsignments {
				con, err := c.st.Consignment(id)
				if err != nil {
					return err
				}
				if con == nil {
					continue
				}
				e, err := c.enterprise(con.Buyer)
				if err != nil {
					return err
				}
				divs[e.Division] = true
			}
		}
		r.HoldDivisions = slices.Sorted(maps.Keys(divs))
		for _, d := range r.HoldDivisions {
			if err := c.st.SetHeldIn(d, r.Code, true); err != nil {
				return err
			}
		}
	}
	if r.Status != types.CodeStatus_CODE_STATUS_ACTIVE && source != "recall" {
		// Already held: the first hold stays in force, and only its
		// authority can lift it; a later automatic hold adds nothing to lift.
		return nil
	}
	if r.Status != types.CodeStatus_CODE_STATUS_RECALLED {
		r.Status = status
	}
	r.HoldSource, r.StatusReason = source, reason
	return nil
}

// heldIn adds a division to a held code's holds index: held goods that a
// supervision warehouse receives stay visible where they now are.
func (c *changes) heldIn(r *types.CodeRecord, division string) error {
	if r.Status == types.CodeStatus_CODE_STATUS_ACTIVE || r.Status == types.CodeStatus_CODE_STATUS_DESTROYED {
		return nil
	}
	if i := sort.SearchStrings(r.HoldDivisions, division); i < len(r.HoldDivisions) && r.HoldDivisions[i] == division {
		return nil
	}
	r.HoldDivisions = addString(r.HoldDivisions, division)
	return c.st.SetHeldIn(division, r.Code, true)
}

// unhold lets a held code move again.
func (c *changes) unhold(r *types.CodeRecord) error {
	for _, d := range r.HoldDivisions {
		if err := c.st.SetHeldIn(d, r.Code, false); err != nil {
			return err
		}
	}
	r.Status, r.HoldSource, r.StatusReason, r.HoldDivisions = types.CodeStatus_CODE_STATUS_ACTIVE, "", "", nil
	return nil
}

// code loads a code (any accepted spelling) for change; absent codes are refused.
func (c *changes) code(s string) (*types.CodeRecord, error) {
	canon, err := types.ValidateCodeString("code", s)
	if err != nil {
		return nil, err
	}
	if r, ok := c.recs[canon]; ok {
		return r, nil
	}
	r, err := c.st.Code(canon)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, types.ErrNotFound.Wrapf("code %s has not been commissioned", canon)
	}
	if e := c.ctx.EventTimeMs; e != 0 && r.LastTimeMs > e {
		// An offline scan cannot have happened before the code was made or
		// reached its holder.
		return nil, types.ErrEventTime.Wrapf("event time %s is before %s was last commissioned or received (%s)",
			time.UnixMilli(e).UTC().Format(time.RFC3339), canon, time.UnixMilli(r.LastTimeMs).UTC().Format(time.RFC3339))
	}
	c.recs[canon] = r
	return r, nil
}

// touch marks a record read with peek for change.
func (c *changes) touch(r *types.CodeRecord) { c.recs[r.Code] = r }

// peek reads a code as this message has it so far, without marking it for
// change: a code only read is not written, and its history gains nothing.
func (c *changes) peek(code string) (*types.CodeRecord, error) {
	if r, ok := c.recs[code]; ok {
		return r, nil
	}
	r, err := c.st.Code(code)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, types.ErrInternal.Wrapf("code %s is indexed but has no record", code)
	}
	return r, nil
}

// create adds a new code record, refusing a code that exists.
func (c *changes) create(r *types.CodeRecord) error {
	if _, ok := c.recs[r.Code]; ok {
		return types.ErrCodeExists.Wrapf("code %s is named twice", r.Code)
	}
	existing, err := c.st.Code(r.Code)
	if err != nil {
		return err
	}
	if existing != nil {
		return types.ErrCodeExists.Wrapf("code %s was commissioned at height %d", r.Code, existing.CommissionedHeight)
	}
	r.Status = types.CodeStatus_CODE_STATUS_ACTIVE
	r.CommissionedHeight = c.ctx.Height
	c.recs[r.Code] = r
	return nil
}

func (c *changes) batch(id string) (*types.Batch, error) {
	if b, ok := c.batches[id]; ok {
		return b, nil
	}
	b, err := c.st.Batch(id)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, types.ErrInternal.Wrapf("batch %s is missing", id)
	}
	c.batches[id] = b
	return b, nil
}

// take moves q out of holder's holding and marks the index for update.
func (c *changes) take(r *types.CodeRecord, holder string, q uint64) error {
	if err := r.TakeHolding(holder, q); err != nil {
		return err
	}
	c.held[[2]string{holder, r.Code}] = true
	return nil
}

// give moves q into holder's holding.
func (c *changes) give(r *types.CodeRecord, holder string, q uint64) {
	r.AddHolding(holder, q)
	c.held[[2]string{holder, r.Code}] = true
}

// movable refuses goods that are held, recalled, destroyed or past expiry
// (by the block's date, never the local clock).
func (c *changes) movable(r *types.CodeRecord) error {
	if r.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
		reason := ""
		if r.StatusReason != "" {
			reason = ": " + r.StatusReason
		}
		return types.ErrNotMovable.Wrapf("%s is %s%s", r.Code, types.CodeStatusName(r.Status), reason)
	}
	if r.LogisticUnit {
		for _, it := range r.Contents {
			inner, err := c.code(it.Code)
			if err != nil {
				return err
			}
			if err := c.movable(inner); err != nil {
				return types.ErrNotMovable.Wrapf("unit %s contains goods that cannot move: %s", r.Code, trimCode(err))
			}
		}
		return nil
	}
	b, err := c.batch(r.BatchId)
	if err != nil {
		return err
	}
	if !c.ctx.Rules.StrictValues() {
		if exp := b.Facts.Expiry(); exp != "" && c.ctx.day() > exp {
			return types.ErrNotMovable.Wrapf("%s expired on %s", r.Code, exp)
		}
		return nil
	}
	// From v2 dates are compared as dates: v1 compared strings, so an expiry
	// past year 9999 read as long past.
	if exp, ok := b.Facts.ExpiryTime(); ok && exp.Before(c.ctx.Rules.Date(c.ctx.Time)) {
		return types.ErrNotMovable.Wrapf("%s expired on %s", r.Code, exp.Format(time.DateOnly))
	}
	return nil
}

// day is the block's date (China's from rules v2, UTC's before), the key of
// the day counters and what expiry dates are compared with.
func (c *Context) day() string { return c.Rules.Day(c.Time) }

// actor is the signer's identity in events: a USCC or a division.
func (c *Context) actor() string { return c.Signer.Account.OwnerId }

// commit writes the event and every touched code, and returns the event hash.
func (c *changes) commit(bizStep string, msg proto.Message, extra func(*types.Event)) ([]byte, error) {
	codes := make([]string, 0, len(c.recs))
	for code, r := range c.recs {
		if !r.Conserved() {
			return nil, types.ErrInternal.Wrapf("quantity of %s would not be conserved (%d commissioned, %d accounted)", code, r.Commissioned, r.Accounted())
		}
		codes = append(codes, code)
	}
	sort.Strings(codes)
	ev := &types.Event{
		BizStep: bizStep, Height: c.ctx.Height, TimeMs: c.ctx.Time.UnixMilli(),
		TxHash: c.ctx.TxHash, MsgIndex: c.ctx.MsgIndex, Actor: c.ctx.actor(), Signer: c.ctx.Signer.Account.Key,
		Msg: types.WrapMsg(msg), Codes: codes, EventTimeMs: c.ctx.EventTimeMs,
	}
	if extra != nil {
		extra(ev)
	}
	if c.ctx.Rules.AuthorityEvidence() && len(codes) > maxListedCodes {
		// Every code's history chains over the event's bytes: listing a
		// mass hold's codes in it would make the message's cost grow with
		// the square of its codes (rules v3).
		ev.Codes, ev.CodesCount = nil, uint64(len(codes))
	}
	if e := c.ctx.Signer.Enterprise; e != nil && c.ctx.Rules.AuthorityEvidence() {
		// The day's scans by kind, where the operator who scanned is.
		d, err := c.statsFor(e.Division)
		if err != nil {
			return nil, err
		}
		d.Scans = types.AddKind(d.Scans, bizStep, 1)
	}
	b, h, err := c.st.PutEvent(ev)
	if err != nil {
		return nil, err
	}
	for _, code := range codes {
		r := c.recs[code]
		if err := c.st.AppendHistory(r, b, h); err != nil {
			return nil, err
		}
		if err := c.st.SetCode(r); err != nil {
			return nil, err
		}
	}
	pairs := make([][2]string, 0, len(c.held))
	for p := range c.held {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	for _, p := range pairs {
		if err := c.st.SetHolding(p[0], p[1], c.recs[p[1]].HeldBy(p[0])); err != nil {
			return nil, err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(c.batches)) {
		if err := c.st.SetBatch(c.batches[id]); err != nil {
			return nil, err
		}
	}
	return h, c.flushStats()
}

// consignmentID derives a consignment's id from the dispatch that creates it.
func consignmentID(ctx *Context) []byte { return ConsignmentID(ctx.TxHash, ctx.MsgIndex) }

// ConsignmentID is the id of the consignment created by message msgIndex of
// the tx with hash txHash: a sender knows it before the block.
func ConsignmentID(txHash []byte, msgIndex uint32) []byte {
	h := sha256.New()
	h.Write([]byte("coldtrace/consignment"))
	h.Write(txHash)
	h.Write([]byte{byte(msgIndex >> 24), byte(msgIndex >> 16), byte(msgIndex >> 8), byte(msgIndex)})
	return h.Sum(nil)
}

// signingEnterprise returns the signer's enterprise, refusing regulators.
func signingEnterprise(ctx *Context, action string) (*types.Enterprise, error) {
	if ctx.Signer.Enterprise == nil {
		return nil, types.ErrUnauthorized.Wrapf("only an enterprise may %s; the signer is regulator %s", action, ctx.Signer.Account.OwnerId)
	}
	return ctx.Signer.Enterprise, requireLicence(ctx, ctx.Signer.Enterprise)
}

// counterparty checks that uscc names another registered, active enterprise.
func counterparty(st traceStore, self, uscc, role string) (*types.Enterprise, error) {
	if uscc == self {
		return nil, types.ErrCounterparty.Wrapf("the %s cannot be the signer itself", role)
	}
	e, err := st.Enterprise(uscc)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, types.ErrCounterparty.Wrapf("%s %s is not a registered enterprise", role, uscc)
	}
	if e.Status != types.Status_STATUS_ACTIVE {
		return nil, types.ErrCounterparty.Wrapf("%s %s is %s", role, uscc, types.StatusName(e.Status))
	}
	return e, nil
}

// flushRecords writes the batches and day counters a message changed when
// it touched no code (commit writes them otherwise).
func (c *changes) flushRecords() error {
	for _, id := range slices.Sorted(maps.Keys(c.batches)) {
		if err := c.st.SetBatch(c.batches[id]); err != nil {
			return err
		}
	}
	return c.flushStats()
}

// flushStats writes the day counters this message changed.
func (c *changes) flushStats() error {
	if c.ctx.inCheckTx {
		return nil
	}
	for _, div := range slices.Sorted(maps.Keys(c.stats)) {
		if err := c.st.SetDayStats(c.stats[div]); err != nil {
			return err
		}
	}
	return nil
}

// released reports whether goods may leave the supervision warehouse's
// control: not from a supervised batch, or released by a warehouse. A unit is
// released when everything in it is.
func (c *changes) released(r *types.CodeRecord) (bool, error) {
	if r.LogisticUnit {
		for _, it := range r.Contents {
			inner, err := c.code(it.Code)
			if err != nil {
				return false, err
			}
			if ok, err := c.released(inner); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
	b, err := c.batch(r.BatchId)
	if err != nil {
		return false, err
	}
	return !b.Supervised || r.Released, nil
}

// requireReleased refuses an operation on supervised goods not yet released.
func (c *changes) requireReleased(r *types.CodeRecord, action string) error {
	ok, err := c.released(r)
	if err != nil || ok {
		return err
	}
	return types.ErrReleaseRequired.Wrapf("%s is imported goods not yet released by a supervision warehouse; it cannot be %s", r.Code, action)
}

// placed records where and when a code was last put (for clone suspicion),
// raising an alert when it jumps between provinces faster than possible.
func (c *changes) placed(r *types.CodeRecord, division string, window uint32) error {
	now := c.ctx.Time.UnixMilli()
	if c.ctx.EventTimeMs != 0 {
		now = c.ctx.EventTimeMs // an offline scan: when it happened
	}
	if r.LastDivision != "" && r.LastDivision[:2] != division[:2] && now-r.LastTimeMs < int64(window)*1000 {
		msg := "code " + r.Code + " was in " + r.LastDivision + " and is now in " + division + " within " + strconv.FormatInt((now-r.LastTimeMs)/1000, 10) + " s: possible cloned label"
		if err := c.alert(types.AlertKind_ALERT_KIND_CLONE, division, msg, []string{r.Code}, r.BatchId, nil); err != nil {
			return err
		}
	}
	r.LastDivision, r.LastTimeMs = division, now
	return nil
}

func addID(ids [][]byte, id []byte) [][]byte {
	i := sort.Search(len(ids), func(i int) bool { return string(ids[i]) >= string(id) })
	if i < len(ids) && string(ids[i]) == string(id) {
		return ids
	}
	return append(ids[:i], append([][]byte{id}, ids[i:]...)...)
}

func removeID(ids [][]byte, id []byte) [][]byte {
	for i, x := range ids {
		if string(x) == string(id) {
			return append(ids[:i], ids[i+1:]...)
		}
	}
	return ids
}

func addString(list []string, s string) []string {
	i := sort.SearchStrings(list, s)
	if i < len(list) && list[i] == s {
		return list
	}
	return append(list[:i], append([]string{s}, list[i:]...)...)
}

func removeString(list []string, s string) []string {
	for i, x := range list {
		if x == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// receiptDue is when an open consignment raises a broken-loop alert.
func receiptDue(con *types.Consignment, p *types.Params) int64 {
	return con.DispatchedTimeMs + int64(p.UnreceivedAlertSeconds)*1000
}

// countInflow adds a receipt from another division to the receiving
// division's counters, by origin country and source division.
func (c *changes) countInflow(r *types.CodeRecord, sender, toDivision string, q uint64) error {
	if r.LogisticUnit {
		return nil // a unit's contents are counted where they are unpacked
	}
	from, err := c.enterprise(sender)
	if err != nil || from.Division == toDivision {
		return err
	}
	b, err := c.batch(r.BatchId)
	if err != nil {
		return err
	}
	d, err := c.statsFor(toDivision)
	if err != nil {
		return err
	}
	sat := c.ctx.Rules.StrictValues()
	d.QuantityReceivedFromOutside = types.Add(d.QuantityReceivedFromOutside, q, sat)
	d.AddFlow(b.Facts.OriginCountry, from.Division, q, sat)
	return nil
}

// trimCode drops the "not movable: " name from a wrapped refusal.
func trimCode(err error) string {
	s := err.Error()
	if p := types.ErrNotMovable.Name + ": "; len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// newCode returns the canonical form of a code named for new goods of batch
// b, or, when none is named, issues the next native code of issuer and
// appends it to issued.
func (c *changes) newCode(field, named, issuer string, b *types.Batch, issued *[]string) (string, error) {
	if named == "" {
		n, err := c.st.NextNativeNumber(issuer)
		if err != nil {
			return "", err
		}
		code := types.NativeCode(issuer, n).String()
		*issued = append(*issued, code)
		return code, nil
	}
	parsed, _ := types.ParseTxCode(named) // checked by ValidateBasic
	if err := checkInBatch(field, parsed, b); err != nil {
		return "", err
	}
	return parsed.String(), nil
}

// checkInBatch refuses a GS1 code whose batch (AI 10) or GTIN differs from
// the batch it is recorded in.
func checkInBatch(field string, parsed types.Code, b *types.Batch) error {
	if parsed.Batch != "" && parsed.Batch != b.Batch {
		return types.ErrBatchConflict.Wrapf("%s %s carries batch %q, the goods belong to batch %q", field, parsed, parsed.Batch, b.Batch)
	}
	if g := b.Facts.Gtin; g != "" && parsed.Kind == types.CodeGTIN && parsed.GTIN != strings.Repeat("0", 14-len(g))+g {
		return types.ErrBatchConflict.Wrapf("%s %s has GTIN %s, the batch's facts name %s", field, parsed, parsed.GTIN, g)
	}
	return nil
}

package app

import (
	"crypto/sha256"
	"sort"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// traceStore is all the trace handlers may touch.
type traceStore interface {
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
}

// changes gathers what one trace message does to code records, then writes
// it in one deterministic pass: the event once, and for each touched code
// (in code order) its history entry, its record and its holdings index.
type changes struct {
	ctx     *Context
	st      traceStore
	recs    map[string]*types.CodeRecord
	batches map[string]*types.Batch
	held    map[[2]string]bool // (holder, code) pairs whose holding changed
}

func newChanges(ctx *Context, st traceStore) *changes {
	return &changes{ctx: ctx, st: st, recs: map[string]*types.CodeRecord{}, batches: map[string]*types.Batch{}, held: map[[2]string]bool{}}
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
	c.recs[canon] = r
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
		return types.ErrNotMovable.Wrapf("%s is %s%s", r.Code, codeStatusName(r.Status), reason)
	}
	if r.LogisticUnit {
		return nil
	}
	b, err := c.batch(r.BatchId)
	if err != nil {
		return err
	}
	if exp := expiryDate(b.Facts); exp != "" && c.ctx.Time.UTC().Format(time.DateOnly) > exp {
		return types.ErrNotMovable.Wrapf("%s expired on %s", r.Code, exp)
	}
	return nil
}

// expiryDate is the facts' expiry date, or production date plus shelf life.
func expiryDate(f *types.ProductFacts) string {
	if f == nil {
		return ""
	}
	if f.ExpiryDate != "" {
		return f.ExpiryDate
	}
	p, err := time.Parse(time.DateOnly, f.ProductionDate)
	if err != nil || f.ShelfLifeDays == 0 {
		return ""
	}
	return p.AddDate(0, 0, int(f.ShelfLifeDays)).Format(time.DateOnly)
}

func codeStatusName(s types.CodeStatus) string {
	switch s {
	case types.CodeStatus_CODE_STATUS_HELD:
		return "held"
	case types.CodeStatus_CODE_STATUS_RECALLED:
		return "recalled"
	case types.CodeStatus_CODE_STATUS_DESTROYED:
		return "destroyed"
	}
	return "active"
}

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
		Msg: types.WrapMsg(msg), Codes: codes,
	}
	if extra != nil {
		extra(ev)
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
	for _, id := range sortedKeys(c.batches) {
		if err := c.st.SetBatch(c.batches[id]); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// consignmentID derives a consignment's id from the dispatch that creates it.
func consignmentID(ctx *Context) []byte {
	h := sha256.New()
	h.Write([]byte("coldtrace/consignment"))
	h.Write(ctx.TxHash)
	h.Write([]byte{byte(ctx.MsgIndex >> 24), byte(ctx.MsgIndex >> 16), byte(ctx.MsgIndex >> 8), byte(ctx.MsgIndex)})
	return h.Sum(nil)
}

// signingEnterprise returns the signer's enterprise, refusing regulators.
func signingEnterprise(ctx *Context, action string) (*types.Enterprise, error) {
	if ctx.Signer.Enterprise == nil {
		return nil, types.ErrUnauthorized.Wrapf("only an enterprise may %s; the signer is regulator %s", action, ctx.Signer.Account.OwnerId)
	}
	return ctx.Signer.Enterprise, nil
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
		return nil, types.ErrCounterparty.Wrapf("%s %s is %s", role, uscc, statusName(e.Status))
	}
	return e, nil
}

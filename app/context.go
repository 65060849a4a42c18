package app

import (
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/types"
)

// Signer is the resolved sender of a tx: its account and the regulator,
// enterprise or customs authority that owns it (exactly one is set).
type Signer struct {
	Account    *types.Account
	Regulator  *types.Regulator
	Enterprise *types.Enterprise
	Customs    *types.Customs
}

// Context is what a handler knows besides state: the block it runs in and
// who signed. Time is the block header's time, never the local clock.
type Context struct {
	Height   int64
	Time     time.Time
	Rules    types.RuleSet // the rules version this height executes under
	TxHash   []byte
	MsgIndex uint32
	// EventTimeMs is when the signer says the tx's events happened (rules
	// v3, an offline scan), checked against Time; 0: at the block.
	EventTimeMs int64
	// checkClockMs is, in CheckTx only, the last block's time (0 if not
	// known yet): signed event times are judged by it, not by Time, which
	// there is the midnight expiry dates are compared with.
	checkClockMs int64
	inCheckTx    bool
	Signer       Signer
	events       []abci.Event
}

// Emit records an event; attributes named in indexed are indexed by CometBFT.
func (c *Context) Emit(typ string, attrs ...abci.EventAttribute) {
	c.events = append(c.events, abci.Event{Type: typ, Attributes: attrs})
}

// Indexed is an attribute CometBFT's indexer will index.
func Indexed(k, v string) abci.EventAttribute {
	return abci.EventAttribute{Key: k, Value: v, Index: true}
}

// Attr is an attribute that is recorded but not indexed.
func Attr(k, v string) abci.EventAttribute { return abci.EventAttribute{Key: k, Value: v} }

// signedByRoot reports whether the signer is the root regulator (the one
// without a parent).
func signedByRoot(ctx *Context) bool {
	return ctx.Signer.Regulator != nil && ctx.Signer.Regulator.Parent == ""
}

// requireRoot refuses, with code 17, a message only the root regulator may send.
func requireRoot(ctx *Context, action string) error {
	if !signedByRoot(ctx) {
		return types.ErrUnauthorized.Wrapf("only the root regulator may %s; the signer is %s", action, ctx.Signer.Account.OwnerId)
	}
	return nil
}

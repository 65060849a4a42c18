package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// Signer sends txs from one key with its own sequence count, so that many
// txs can be in flight at once (a scanner sending a scan per parcel does not
// wait for each block). It is safe for concurrent use.
type Signer struct {
	c      *Client
	key    Key
	mu     sync.Mutex
	next   uint64
	loaded bool
	// uncertain: a tx of this signer has an unknown fate, so the node
	// expecting a lower sequence means it was dropped, not that the node
	// is still re-checking.
	uncertain bool
	// Memo is set on every tx this signer builds.
	Memo string
	// EventTime, when set, is signed into every tx as when its events
	// happened (an offline scan sent later; rules v3 accept it up to
	// params.max_event_age_seconds before the block).
	EventTime time.Time
}

// Signer returns a signer for key. Its first tx reads the key's next
// sequence from the node; later txs count on from there.
func (c *Client) Signer(key ed25519.PrivateKey) *Signer { return &Signer{c: c, key: Ed25519Key(key)} }

// SignerFor is Signer for any account key (an SM2 key, say).
func (c *Client) SignerFor(key Key) *Signer { return &Signer{c: c, key: key} }

// Broadcast signs msgs with the next sequence and submits them without
// waiting for a block. When the mempool refuses the sequence, the refusal
// says which one the node expects: a higher one means another program used
// the key, and the signer catches up; a lower one means the node is still
// re-checking its pending txs after a block, and the same tx is sent again
// shortly. The result carries the hash to Wait on.
func (s *Signer) Broadcast(ctx context.Context, msgs ...proto.Message) (*TxResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		acct, err := s.c.Account(ctx, s.key.PublicKey())
		switch {
		case errors.Is(err, types.ErrNotFound):
			// A key the chain does not know yet signs at sequence 0: an
			// operator's application (rules v3); anything else it signs is
			// refused by the node as from an unknown signer.
			s.next, s.loaded = 0, true
		case err != nil:
			return nil, err
		default:
			s.next, s.loaded = acct.Sequence, true
		}
	}
	chainID, err := s.c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		body := &types.TxBody{ChainId: chainID, Sequence: s.next, Memo: s.Memo}
		if !s.EventTime.IsZero() {
			body.EventTimeMs = s.EventTime.UnixMilli()
		}
		for _, m := range msgs {
			body.Messages = append(body.Messages, types.WrapMsg(m))
		}
		raw, err := SignBodyWith(s.key, body)
		if err != nil {
			return nil, err
		}
		res, err := s.c.broadcast(ctx, raw)
		if err == nil {
			s.next++
			return res, nil
		}
		if errors.Is(err, ErrFateUnknown) {
			// The tx may be committed: count its sequence as used.
			s.next++
			s.uncertain = true
			return res, err
		}
		if !errors.Is(err, types.ErrBadSequence) || attempt == maxSequenceRetries {
			return res, err
		}
		if want, ok := types.ExpectedSequence(res.Data); ok && (want > s.next || (s.uncertain && want < s.next)) {
			s.next, s.uncertain = want, false
			continue
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
}

const maxSequenceRetries = 5

// Send broadcasts msgs and waits until they are in a block. A tx that may
// or may not be committed is reported with ErrFateUnknown and its hash.
func (s *Signer) Send(ctx context.Context, msgs ...proto.Message) (*TxResult, error) {
	res, err := s.Broadcast(ctx, msgs...)
	if err != nil {
		return res, err
	}
	res, err = s.c.Wait(ctx, res.Hash)
	if errors.Is(err, ErrFateUnknown) {
		s.mu.Lock()
		s.uncertain = true
		s.mu.Unlock()
	}
	return res, err
}

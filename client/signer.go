package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// Signer sends txs from one key with its own sequence count, so that many
// txs can be in flight at once (a scanner sending a scan per parcel does not
// wait for each block). It is safe for concurrent use.
type Signer struct {
	c      *Client
	key    ed25519.PrivateKey
	mu     sync.Mutex
	next   uint64
	loaded bool
	// Memo is set on every tx this signer builds.
	Memo string
}

// Signer returns a signer for key. Its first tx reads the key's next
// sequence from the node; later txs count on from there.
func (c *Client) Signer(key ed25519.PrivateKey) *Signer { return &Signer{c: c, key: key} }

// Broadcast signs msgs with the next sequence and submits them without
// waiting for a block. A tx the mempool refuses for its sequence (another
// program used the key meanwhile) is signed again once with the chain's
// sequence. The result carries the hash to Wait on.
func (s *Signer) Broadcast(ctx context.Context, msgs ...proto.Message) (*TxResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if !s.loaded || attempt > 0 {
			acct, err := s.c.Account(ctx, s.key.Public().(ed25519.PublicKey))
			if err != nil {
				return nil, err
			}
			s.next, s.loaded = acct.Sequence, true
		}
		chainID, err := s.c.ChainID(ctx)
		if err != nil {
			return nil, err
		}
		raw, err := SignTx(s.key, chainID, s.next, s.Memo, msgs...)
		if err != nil {
			return nil, err
		}
		res, err := s.c.broadcast(ctx, raw)
		if err == nil {
			s.next++
			return res, nil
		}
		if attempt == 0 && errors.Is(err, types.ErrBadSequence) {
			continue
		}
		return res, err
	}
}

// Send broadcasts msgs and waits until they are in a block.
func (s *Signer) Send(ctx context.Context, msgs ...proto.Message) (*TxResult, error) {
	res, err := s.Broadcast(ctx, msgs...)
	if err != nil {
		return res, err
	}
	return s.c.Wait(ctx, res.Hash)
}

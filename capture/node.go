package capture

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math"
	"net/url"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// NodeChain is Chain over a node's RPC. Its reads are not verified: they
// only shape the txs, which the chain checks again whole.
type NodeChain struct {
	C *client.Client

	mu       sync.Mutex
	params   *types.Params
	paramsAt time.Time
}

// Code reads a code's record; nil when the chain has none.
func (n *NodeChain) Code(ctx context.Context, code string) (*types.CodeRecord, error) {
	r := &types.CodeRecord{}
	_, err := n.C.QueryInto(ctx, "/trace/code?code="+url.QueryEscape(code), r)
	if errors.Is(err, types.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

// Inbound lists the open consignments to an enterprise.
func (n *NodeChain) Inbound(ctx context.Context, uscc string) ([]*types.Consignment, error) {
	l := &types.ConsignmentList{}
	_, err := n.C.QueryInto(ctx, "/trace/inbound/"+url.PathEscape(uscc), l)
	return l.Consignments, err
}

// Params reads the chain's parameters, kept for a minute.
func (n *NodeChain) Params(ctx context.Context) (*types.Params, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.params != nil && time.Since(n.paramsAt) < time.Minute {
		return n.params, nil
	}
	p := &types.Params{}
	if _, err := n.C.QueryInto(ctx, "/params", p); err != nil {
		return nil, err
	}
	n.params, n.paramsAt = p, time.Now()
	return p, nil
}

// Wait follows a tx to its block.
func (n *NodeChain) Wait(ctx context.Context, hash []byte) (*client.TxResult, error) {
	return n.C.Wait(ctx, hash)
}

// TxSizer is Config.TxSize for a key: the size of the tx signed with the
// largest sequence, an upper bound of the one sent.
func TxSizer(key ed25519.PrivateKey, chainID string) func([]proto.Message) (int, error) {
	return func(msgs []proto.Message) (int, error) {
		var ms []proto.Message
		for _, m := range msgs {
			if m != nil {
				ms = append(ms, m)
			}
		}
		raw, err := client.SignTx(key, chainID, math.MaxUint64, "", ms...)
		return len(raw), err
	}
}

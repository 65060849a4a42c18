package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// Client talks to one node's RPC.
type Client struct {
	rpc     *rpchttp.HTTP
	remote  string // the address given to Dial, for messages
	chainID string
	// WaitTimeout bounds how long Send waits for the tx's block.
	WaitTimeout time.Duration
}

// Dial connects to a node's RPC address (tcp://host:port or http://host:port).
func Dial(node string) (*Client, error) {
	addr := node
	if strings.HasPrefix(addr, "tcp://") {
		addr = "http://" + strings.TrimPrefix(addr, "tcp://")
	}
	c, err := rpchttp.New(addr, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", node, err)
	}
	return &Client{rpc: c, remote: node, WaitTimeout: 30 * time.Second}, nil
}

// RPC exposes CometBFT's RPC client for what this package does not wrap.
func (c *Client) RPC() *rpchttp.HTTP { return c.rpc }

// ChainID asks the node once for its chain id.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	if c.chainID != "" {
		return c.chainID, nil
	}
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("node status: %w", err)
	}
	c.chainID = st.NodeInfo.Network
	return c.chainID, nil
}

// StartupWait bounds how long a query waits for a node that has just
// started and not yet committed its first block.
var StartupWait = 15 * time.Second

// Query runs an ABCI query; a refusal comes back as a coded error.
func (c *Client) Query(ctx context.Context, path string, height int64, prove bool) (*abci.ResponseQuery, error) {
	deadline := time.Now().Add(StartupWait)
	for {
		res, err := c.rpc.ABCIQueryWithOptions(ctx, path, nil, rpcclient.ABCIQueryOptions{Height: height, Prove: prove})
		if err != nil {
			return nil, fmt.Errorf("query %s: %w (is the node running? start it with `coldtrace start`)", path, err)
		}
		r := res.Response
		if r.Code == types.ErrHeightUnavailable.Code && height == 0 && time.Now().Before(deadline) {
			// A node that has just started has no committed state yet.
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		if r.Code != 0 {
			return &r, CodedError(r.Code, r.Log)
		}
		return &r, nil
	}
}

// QueryInto runs a query and decodes its value into m.
func (c *Client) QueryInto(ctx context.Context, path string, m proto.Message) (int64, error) {
	res, err := c.Query(ctx, path, 0, false)
	if err != nil {
		return 0, err
	}
	if err := proto.Unmarshal(res.Value, m); err != nil {
		return 0, fmt.Errorf("decode answer of %s: %w", path, err)
	}
	return res.Height, nil
}

// Account returns the account of a key, or a not-found error.
func (c *Client) Account(ctx context.Context, pub ed25519.PublicKey) (*types.Account, error) {
	a := &types.Account{}
	_, err := c.QueryInto(ctx, fmt.Sprintf("/registry/account/%x", []byte(pub)), a)
	return a, err
}

// TxResult is the outcome of a committed (or refused) tx.
type TxResult struct {
	Hash   []byte       `json:"hash"`
	Height int64        `json:"height"`
	Code   uint32       `json:"code"`
	Log    string       `json:"log,omitempty"`
	Events []abci.Event `json:"events,omitempty"`
}

// Err is nil for a tx that succeeded and the coded refusal otherwise.
func (r *TxResult) Err() error {
	if r.Code == 0 {
		return nil
	}
	return CodedError(r.Code, r.Log)
}

// Error is a refusal reported by a node: its code and message.
type Error struct {
	Code uint32
	Log  string
}

func (e *Error) Error() string { return fmt.Sprintf("refused with code %d: %s", e.Code, e.Log) }

// Is lets errors.Is(err, types.ErrX) match a node's refusal.
func (e *Error) Is(target error) bool {
	var t *types.Error
	return errors.As(target, &t) && t.Code == e.Code
}

// CodedError builds the error of a refusal.
func CodedError(code uint32, log string) error { return &Error{Code: code, Log: log} }

// Send signs msgs with key at the key's next sequence, broadcasts the tx and
// waits until it is in a block. A refusal at CheckTx or in the block is
// returned both in the result and as the error. To keep many txs of one key
// in flight, use a Signer.
func (c *Client) Send(ctx context.Context, key ed25519.PrivateKey, msgs ...proto.Message) (*TxResult, error) {
	return c.Signer(key).Send(ctx, msgs...)
}

// BroadcastAndWait submits a signed tx and waits for its block.
func (c *Client) BroadcastAndWait(ctx context.Context, raw []byte) (*TxResult, error) {
	res, err := c.broadcast(ctx, raw)
	if err != nil {
		return res, err
	}
	return c.Wait(ctx, res.Hash)
}

// broadcast submits a tx to the mempool. A node still syncing refuses
// broadcasts; that is retried for a few seconds.
func (c *Client) broadcast(ctx context.Context, raw []byte) (*TxResult, error) {
	deadline := time.Now().Add(StartupWait)
	for {
		res, err := c.rpc.BroadcastTxSync(ctx, raw)
		if err != nil {
			if time.Now().Before(deadline) && strings.Contains(err.Error(), "syncing") {
				time.Sleep(500 * time.Millisecond)
				continue
			}
			return nil, fmt.Errorf("broadcast: %w", err)
		}
		out := &TxResult{Hash: res.Hash}
		if res.Code != 0 {
			out.Code, out.Log = res.Code, res.Log
			return out, out.Err()
		}
		return out, nil
	}
}

// Wait polls until the tx with this hash is in a block and returns its result.
func (c *Client) Wait(ctx context.Context, hash []byte) (*TxResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.WaitTimeout)
	defer cancel()
	out := &TxResult{Hash: hash}
	for {
		tx, err := c.rpc.Tx(ctx, hash, false)
		if err == nil {
			out.Height, out.Code, out.Log, out.Events = tx.Height, tx.TxResult.Code, tx.TxResult.Log, tx.TxResult.Events
			return out, out.Err()
		}
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("tx %X was accepted but not seen in a block within %s: %w", hash, c.WaitTimeout, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// SignTx builds and signs a tx.
func SignTx(key ed25519.PrivateKey, chainID string, seq uint64, memo string, msgs ...proto.Message) ([]byte, error) {
	body := &types.TxBody{ChainId: chainID, Signer: key.Public().(ed25519.PublicKey), Sequence: seq, Memo: memo}
	for _, m := range msgs {
		body.Messages = append(body.Messages, types.WrapMsg(m))
	}
	bb, err := proto.Marshal(body)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(key, types.SignBytes(bb))})
}

package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// Client talks to one node's RPC.
type Client struct {
	rpc     *rpchttp.HTTP
	remote  string // the address given to Dial, for messages
	mu      sync.Mutex
	chainID string // guarded by mu
	// WaitTimeout bounds how long Send waits for the tx's block.
	WaitTimeout time.Duration
}

// Dial connects to a node's RPC address (tcp://host:port or http://host:port).
func Dial(node string) (*Client, error) { return dial(node, 0) }

// dial connects with a bound on each request (in seconds; 0: none), for
// nodes only asked on the side (archives, peers) that must not hang a query.
func dial(node string, timeout uint) (*Client, error) {
	addr := node
	if strings.HasPrefix(addr, "tcp://") {
		addr = "http://" + strings.TrimPrefix(addr, "tcp://")
	}
	var c *rpchttp.HTTP
	var err error
	if timeout > 0 {
		c, err = rpchttp.NewWithTimeout(addr, "/websocket", timeout)
	} else {
		c, err = rpchttp.New(addr, "/websocket")
	}
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", node, err)
	}
	return &Client{rpc: c, remote: node, WaitTimeout: 30 * time.Second}, nil
}

// RPC exposes CometBFT's RPC client for what this package does not wrap.
func (c *Client) RPC() *rpchttp.HTTP { return c.rpc }

// ChainID asks the node once for its chain id. Several Signers may share a
// Client, so the remembered id is guarded.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.chainID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("node status: %w", err)
	}
	c.mu.Lock()
	c.chainID = st.NodeInfo.Network
	c.mu.Unlock()
	return st.NodeInfo.Network, nil
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
	Data   []byte       `json:"data,omitempty"` // a refusal's structured detail (code 6: types.ExpectedSequence)
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

// ErrFateUnknown is matched (errors.Is) by every error of a tx that was
// sent but may or may not be committed: the broadcast timed out or the
// connection dropped before the node answered, or the wait ended before
// the tx was seen in a block. Such a tx was not refused; look it up by
// its hash (FateUnknownError.Hash, `coldtrace query tx HASH`).
var ErrFateUnknown = errors.New("fate unknown")

// FateUnknownError is the error of a tx whose fate is unknown.
type FateUnknownError struct {
	Hash   []byte
	Reason string // what happened, in words
	Err    error  // the cause, if any
}

func (e *FateUnknownError) Error() string {
	return fmt.Sprintf("tx %X: fate unknown (not refused; it may still be committed): %s", e.Hash, e.Reason)
}

// Is makes errors.Is(err, ErrFateUnknown) true.
func (e *FateUnknownError) Is(target error) bool { return target == ErrFateUnknown }

func (e *FateUnknownError) Unwrap() error { return e.Err }

// TxHash is the hash under which CometBFT indexes a tx.
func TxHash(raw []byte) []byte { return cmttypes.Tx(raw).Hash() }

// broadcast submits a tx to the mempool. A node still syncing refuses
// broadcasts; that is retried for a few seconds. Only a CheckTx code is a
// refusal; an answer that never came makes the tx's fate unknown.
func (c *Client) broadcast(ctx context.Context, raw []byte) (*TxResult, error) {
	hash := TxHash(raw)
	deadline := time.Now().Add(StartupWait)
	for {
		res, err := c.rpc.BroadcastTxSync(ctx, raw)
		if err != nil {
			if time.Now().Before(deadline) && strings.Contains(err.Error(), "syncing") {
				time.Sleep(500 * time.Millisecond)
				continue
			}
			return &TxResult{Hash: hash}, broadcastErr(hash, err)
		}
		if res == nil {
			return &TxResult{Hash: hash}, &FateUnknownError{Hash: hash, Reason: "the node's answer to the broadcast was empty"}
		}
		out := &TxResult{Hash: hash}
		if len(res.Hash) > 0 && !bytes.Equal(res.Hash, hash) {
			return out, &FateUnknownError{Hash: hash, Reason: fmt.Sprintf("the node answered for another tx (%X)", []byte(res.Hash))}
		}
		if res.Code != 0 {
			out.Code, out.Log, out.Data = res.Code, res.Log, res.Data
			return out, out.Err()
		}
		return out, nil
	}
}

// broadcastErr sorts a failed broadcast: a connection that was never made
// sent nothing, a node's error answer says it did not take the tx (unless
// it already has it), and anything else leaves the tx's fate unknown.
func broadcastErr(hash []byte, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("broadcast: the node is unreachable, tx %X was not sent: %w", hash, err)
	}
	var rpcErr *rpctypes.RPCError
	if errors.As(err, &rpcErr) {
		text := rpcErr.Message + " " + rpcErr.Data
		if strings.Contains(text, "already exists in cache") || strings.Contains(text, "confirmation not received") {
			return &FateUnknownError{Hash: hash, Reason: "the node already had it or did not confirm its check: " + strings.TrimSpace(text), Err: err}
		}
		return fmt.Errorf("broadcast: the node did not take tx %X: %w", hash, err)
	}
	if errors.Is(err, context.Canceled) {
		return &FateUnknownError{Hash: hash, Reason: "the broadcast was cancelled before the node answered", Err: err}
	}
	return &FateUnknownError{Hash: hash, Reason: "the broadcast got no answer (" + err.Error() + ")", Err: err}
}

// Wait follows the tx with this hash by polling the node's /tx until it is
// in a block and returns its result. A tx not seen within WaitTimeout is
// reported with ErrFateUnknown, never as refused: it may be committed later.
func (c *Client) Wait(ctx context.Context, hash []byte) (*TxResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.WaitTimeout)
	defer cancel()
	out := &TxResult{Hash: hash}
	var lastErr error
	for {
		tx, err := c.rpc.Tx(ctx, hash, false)
		if err == nil && tx != nil && tx.Height > 0 {
			out.Height, out.Code, out.Log, out.Events = tx.Height, tx.TxResult.Code, tx.TxResult.Log, tx.TxResult.Events
			return out, out.Err()
		}
		if err != nil && !strings.Contains(err.Error(), "not found") {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			reason := fmt.Sprintf("not seen in a block within %s", c.WaitTimeout)
			if lastErr != nil {
				reason += fmt.Sprintf(" (last error asking the node: %v)", lastErr)
			}
			return out, &FateUnknownError{Hash: hash, Reason: reason, Err: ctx.Err()}
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// SignTx builds and signs a tx.
func SignTx(key ed25519.PrivateKey, chainID string, seq uint64, memo string, msgs ...proto.Message) ([]byte, error) {
	body := &types.TxBody{ChainId: chainID, Sequence: seq, Memo: memo}
	for _, m := range msgs {
		body.Messages = append(body.Messages, types.WrapMsg(m))
	}
	return SignBody(key, body)
}

// SignBody signs a tx body the caller built (with an event time, say) with
// an ed25519 key, and encodes the tx canonically.
func SignBody(key ed25519.PrivateKey, body *types.TxBody) ([]byte, error) {
	return SignBodyWith(Ed25519Key(key), body)
}

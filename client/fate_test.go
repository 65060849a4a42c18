package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// TestBroadcastFate: how each way a broadcast can fail is reported. Only a
// node's code is a refusal; an answer that never came leaves the fate
// unknown, with the tx's own hash.
func TestBroadcastFate(t *testing.T) {
	raw := []byte("a tx whose bytes the fake node never reads")
	hash := client.TxHash(raw)
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		unknown bool
		timeout time.Duration
	}{
		{"connection dropped after the request", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, true, 0},
		{"no answer in time", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}, true, 300 * time.Millisecond},
		{"tx already in the node's cache", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"jsonrpc":"2.0","id":-1,"error":{"code":-32603,"message":"Internal error","data":"tx already exists in cache"}}`)
		}, true, 0},
		{"mempool full: not taken", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"jsonrpc":"2.0","id":-1,"error":{"code":-32603,"message":"Internal error","data":"mempool is full: number of txs 5000 (max: 5000)"}}`)
		}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c, err := client.Dial(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			_, err = c.BroadcastAndWait(ctx, raw)
			assertNotRefused(t, err)
			var unknown *client.FateUnknownError
			if got := errors.As(err, &unknown); got != tc.unknown {
				t.Fatalf("fate unknown = %v, want %v (err %v)", got, tc.unknown, err)
			}
			if tc.unknown && string(unknown.Hash) != string(hash) {
				t.Fatalf("hash %X, want %X", unknown.Hash, hash)
			}
		})
	}
	t.Run("node unreachable: not sent", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		c, err := client.Dial("tcp://" + addr)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.BroadcastAndWait(context.Background(), raw)
		assertNotRefused(t, err)
		if err == nil || errors.Is(err, client.ErrFateUnknown) {
			t.Fatalf("err = %v, want 'not sent'", err)
		}
	})
}

func assertNotRefused(t *testing.T, err error) {
	t.Helper()
	var refusal *client.Error
	if errors.As(err, &refusal) {
		t.Fatalf("reported as refused with code %d: %v", refusal.Code, err)
	}
}

// justAfterBlock returns as soon as a new block is committed, so the next
// one is a whole pause away.
func justAfterBlock(t *testing.T, c *client.Client) int64 {
	t.Helper()
	st, err := c.RPC().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := st.SyncInfo.LatestBlockHeight
	return testnode.WaitCommitted(t, c, h, 30*time.Second)
}

// TestFateOnAStalledChain: a tx sent while the chain makes no blocks is
// reported as of unknown fate (not refused) and is then committed once
// blocks resume; a tx the node refuses is still reported as refused, with
// its code.
func TestFateOnAStalledChain(t *testing.T) {
	// A long pause between blocks: for a while after each block the chain
	// makes no progress, as when it is halted.
	n := testnode.StartWith(t, testnode.Options{ChainID: "fate-test", TimeoutCommit: 3 * time.Second})
	ctx := context.Background()

	stalled := justAfterBlock(t, n.Client)
	n.Client.WaitTimeout = 500 * time.Millisecond
	res, err := n.Client.Send(ctx, n.Root, &types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{pub(key("city"))}})
	assertNotRefused(t, err)
	var unknown *client.FateUnknownError
	if !errors.As(err, &unknown) || !errors.Is(err, client.ErrFateUnknown) {
		t.Fatalf("err = %v, want fate unknown", err)
	}
	if res == nil || string(unknown.Hash) != string(res.Hash) || len(unknown.Hash) != 32 {
		t.Fatalf("the unknown fate names hash %X, the result %v", unknown.Hash, res)
	}

	// Following the same hash finds it committed once blocks resume.
	n.Client.WaitTimeout = 20 * time.Second
	done, err := n.Client.Wait(ctx, unknown.Hash)
	if err != nil {
		t.Fatalf("the tx of unknown fate: %v", err)
	}
	if done.Height <= stalled || done.Code != 0 {
		t.Fatalf("committed at height %d with code %d, want after %d with code 0", done.Height, done.Code, stalled)
	}

	// A refusal is a refusal: Zhejiang cannot register Beijing's regulator,
	// and CheckTx says so with its code.
	res, err = n.Client.Send(ctx, n.Root, &types.MsgRegisterRegulator{Division: "110000", Name: "Beijing", Keys: [][]byte{pub(key("beijing"))}})
	var refusal *client.Error
	if !errors.As(err, &refusal) || !errors.Is(err, types.ErrOutOfJurisdiction) || errors.Is(err, client.ErrFateUnknown) {
		t.Fatalf("out of jurisdiction: err = %v, want code %d", err, types.ErrOutOfJurisdiction.Code)
	}
	if res == nil || res.Code != types.ErrOutOfJurisdiction.Code || res.Height != 0 {
		t.Fatalf("refused result %+v, want code %d at CheckTx", res, types.ErrOutOfJurisdiction.Code)
	}
}

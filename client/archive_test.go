package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
)

// prunedProxy stands in front of a real node and answers as a node whose
// block store starts at height earliest (one that joined by state sync or
// prunes): it refuses commits and validator sets below it with CometBFT's
// own error and reports the earliest height in /status. peer, when set, is
// announced in /net_info as a peer's RPC address.
func prunedProxy(t *testing.T, rpc string, earliest int64, peer string) string {
	t.Helper()
	target, err := url.Parse(strings.Replace(rpc, "tcp://", "http://", 1))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			ID     json.RawMessage            `json:"id"`
			Method string                     `json:"method"`
			Params map[string]json.RawMessage `json:"params"`
		}
		_ = json.Unmarshal(body, &req)
		reply := func(result string) {
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,%s}`, req.ID, result)
		}
		switch req.Method {
		case "commit", "validators", "block":
			var hs string
			_ = json.Unmarshal(req.Params["height"], &hs)
			if h, err := strconv.ParseInt(hs, 10, 64); err == nil && h < earliest {
				reply(fmt.Sprintf(`"error":{"code":-32603,"message":"Internal error","data":"height %d is not available, lowest height is %d"}`, h, earliest))
				return
			}
		case "status":
			rec := httptest.NewRecorder()
			r.Body = io.NopCloser(bytes.NewReader(body))
			proxy.ServeHTTP(rec, r)
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			m["result"].(map[string]any)["sync_info"].(map[string]any)["earliest_block_height"] = strconv.FormatInt(earliest, 10)
			_ = json.NewEncoder(w).Encode(m)
			return
		case "net_info":
			peers := ""
			if peer != "" {
				peers = fmt.Sprintf(`{"node_info":{"protocol_version":{"p2p":"9","block":"11","app":"1"},"id":"%s","listen_addr":"tcp://127.0.0.1:1","network":"verify-test","version":"0.40.0","channels":"40","moniker":"archive","other":{"tx_index":"on","rpc_address":"%s"}},"is_outbound":true,"connection_status":{"Duration":"1","SendMonitor":{},"RecvMonitor":{},"Channels":[]},"remote_ip":"127.0.0.1"}`,
					strings.Repeat("ab", 20), peer)
			}
			reply(fmt.Sprintf(`"result":{"listening":true,"listeners":[],"n_peers":"%d","peers":[%s]}`, strings.Count(peers, "node_info"), peers))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestVerifyFromGenesisOnAPrunedNode: a node lacking the early headers
// cannot verify from the genesis trust root alone, and says which heights
// it lacks and what to pass; given an archive, or with a peer that has
// them, the same query verifies.
func TestVerifyFromGenesisOnAPrunedNode(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	earliest := testnode.WaitCommitted(t, n.c, 5, 20*time.Second)
	trust, err := client.LoadGenesisTrust(n.home + "/config/genesis.json")
	if err != nil {
		t.Fatal(err)
	}
	const path = "/registry/regulator/330000"

	t.Run("no other source", func(t *testing.T) {
		c, err := client.Dial(prunedProxy(t, n.rpc, earliest, ""))
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.NewHeaders(ctx, trust)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.VerifiedQuery(ctx, path, h)
		if !errors.Is(err, client.ErrHeaderUnavailable) {
			t.Fatalf("err = %v, want header unavailable", err)
		}
		for _, want := range []string{
			"header 1 is needed to verify from the genesis trust root",
			fmt.Sprintf("lacks heights 1 to %d", earliest-1),
			"joined by state sync or prunes",
			"--archive", "--trust-height", fmt.Sprintf("a header at height %d or later", earliest),
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the error does not say %q:\n%v", want, err)
			}
		}
	})
	t.Run("archive", func(t *testing.T) {
		c, err := client.Dial(prunedProxy(t, n.rpc, earliest, ""))
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.NewHeaders(ctx, trust, n.rpc)
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.VerifiedQuery(ctx, path, h)
		if err != nil {
			t.Fatal(err)
		}
		if v.Trace[0].Height != 1 {
			t.Fatalf("verified from header %d, want the genesis' 1", v.Trace[0].Height)
		}
	})
	t.Run("peer", func(t *testing.T) {
		c, err := client.Dial(prunedProxy(t, n.rpc, earliest, n.rpc))
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.NewHeaders(ctx, trust)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.VerifiedQuery(ctx, path, h); err != nil {
			t.Fatal(err)
		}
	})
}

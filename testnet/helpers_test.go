package testnet

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"net"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// waitHeight polls the node until the app has committed height h (the block
// store holds h+1: CometBFT saves a block before executing it).
func waitHeight(t *testing.T, c *client.Client, h int64, within time.Duration) int64 {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, err := c.RPC().Status(context.Background())
		if err == nil && st.SyncInfo.LatestBlockHeight > h {
			return st.SyncInfo.LatestBlockHeight
		}
		if time.Now().After(deadline) {
			t.Fatalf("node did not reach height %d within %s (last error %v)", h, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("coldtrace e2e key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

func mkUSCC(body string) string {
	c, err := types.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

func regEnterpriseMsg(uscc, div string, key []byte) *types.MsgRegisterEnterprise {
	return &types.MsgRegisterEnterprise{Uscc: uscc, Name: "Enterprise " + uscc, Kind: types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, Division: div, Keys: [][]byte{key}}
}

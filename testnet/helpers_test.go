package testnet

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

func freePorts(t *testing.T, n int) []int { return testnode.FreePorts(t, n) }

func waitHeight(t *testing.T, c *client.Client, h int64, within time.Duration) int64 {
	return testnode.WaitCommitted(t, c, h, within)
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

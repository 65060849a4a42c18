package testnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

// TestInProcessNode runs a real single-validator CometBFT node with the app
// in-process: txs over RPC, queries, a clean stop and a restart into the
// same app hash and data.
func TestInProcessNode(t *testing.T) {
	home := t.TempDir()
	ports := freePorts(t, 2)
	if _, err := node.InitHome(home, node.InitOptions{
		ChainID: "e2e-chain", Ports: node.Ports{RPC: ports[0], P2P: ports[1]}, TimeoutCommit: 100 * time.Millisecond,
	}); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(home, "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logger := log.NewTMLogger(log.NewSyncWriter(logFile))

	n, err := node.Start(home, logger)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			n.Stop()
		}
	}()
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 20*time.Second)
	ctx := context.Background()

	root, err := client.NewKeyring(home).Get(node.RegulatorKeyName)
	if err != nil {
		t.Fatal(err)
	}
	city, shop := testKey("city"), testKey("shop")
	uscc := mkUSCC("91330100MA27QQQQ0")
	res, err := c.Send(ctx, root, &types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{pub(city)}})
	if err != nil {
		t.Fatalf("register regulator: %v", err)
	}
	if res.Height < 1 || len(res.Hash) != 32 {
		t.Fatalf("result = %+v", res)
	}
	if _, err := c.Send(ctx, city, &types.MsgRegisterEnterprise{
		Uscc: uscc, Name: "West Lake Supermarket", Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, Division: "330106", Keys: [][]byte{pub(shop)},
	}); err != nil {
		t.Fatalf("register enterprise: %v", err)
	}
	// A refusal comes back with its code, through CheckTx.
	_, err = c.Send(ctx, city, &types.MsgRegisterRegulator{Division: "330200", Name: "Ningbo", Keys: [][]byte{pub(testKey("nb"))}})
	if !errors.Is(err, types.ErrOutOfJurisdiction) {
		t.Fatalf("out-of-jurisdiction tx: err %v", err)
	}

	var ent types.Enterprise
	h, err := c.QueryInto(ctx, "/registry/enterprise/"+uscc, &ent)
	if err != nil || ent.Name != "West Lake Supermarket" || ent.RegisteredBy != "330100" {
		t.Fatalf("query enterprise: %v %v", &ent, err)
	}
	waitHeight(t, c, h+1, 10*time.Second)
	before, err := c.RPC().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lastHeight, lastHash := before.SyncInfo.LatestBlockHeight, before.SyncInfo.LatestAppHash
	if err := n.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	stopped = true

	// Restart from the same home: same height and app hash, same answers.
	n2, err := node.Start(home, logger)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer n2.Stop()
	// A new client: CometBFT's RPC server leaves kept-alive connections of the
	// stopped node open, served by its closed stores.
	if c, err = client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, lastHeight+1, 20*time.Second)
	st, err := c.RPC().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.SyncInfo.LatestBlockHeight <= lastHeight {
		t.Fatalf("restarted node at height %d, was %d", st.SyncInfo.LatestBlockHeight, lastHeight)
	}
	// No tx since the stop: the app hash in the header of the last block before
	// the stop is still the app hash now.
	if !bytes.Equal(st.SyncInfo.LatestAppHash, lastHash) {
		t.Fatalf("app hash after restart %X, before %X", st.SyncInfo.LatestAppHash, lastHash)
	}
	var again types.Enterprise
	if _, err := c.QueryInto(ctx, "/registry/enterprise/"+uscc, &again); err != nil || !bytes.Equal(mustMarshal(t, &again), mustMarshal(t, &ent)) {
		t.Fatalf("after restart: %v %v", &again, err)
	}
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package testnet

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

// network is a testnet folder made by the real binary (`coldtrace testnet`),
// its nodes run as real `coldtrace start` processes.
type network struct {
	t     *testing.T
	bin   string
	dir   string
	tn    *node.Testnet
	mu    sync.Mutex
	procs map[int]*exec.Cmd
	logs  map[int]*os.File
}

// freePortBase finds a starting port whose ten ports per node, for nodes
// nodes, are all free on loopback a moment ago.
func freePortBase(t *testing.T, nodes int) int {
	t.Helper()
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	for try := 0; try < 50; try++ {
		// Below Linux's ephemeral range (32768-60999): outgoing connections
		// of other tests take ports there, and one could take a node's
		// port between this check and the node's start.
		base := 20000 + 10*r.Intn(1200)
		ok := true
		for i := 0; i < nodes && ok; i++ {
			for k := 0; k < 3 && ok; k++ {
				l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+10*i+k))
				if err != nil {
					ok = false
					break
				}
				l.Close()
			}
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free range of ports on loopback")
	return 0
}

// newNetwork creates a testnet of n validators with the binary and starts
// every node; it returns once node0 has committed height 2. extra nodes'
// ports are reserved too, for nodes added later.
func newNetwork(t *testing.T, n, extra int, blockTime time.Duration, snapshotInterval int) *network {
	t.Helper()
	nw := &network{t: t, bin: sharedBinary(t), dir: filepath.Join(t.TempDir(), "net"), procs: map[int]*exec.Cmd{}, logs: map[int]*os.File{}}
	base := freePortBase(t, n+extra)
	nw.cli("testnet", "--validators", fmt.Sprint(n), "--output", nw.dir, "--starting-port", fmt.Sprint(base),
		"--chain-id", "net-e2e", "--block-time", blockTime.String(), "--snapshot-interval", fmt.Sprint(snapshotInterval))
	nw.reload()
	t.Cleanup(nw.stopAll)
	for i := range nw.tn.Nodes {
		nw.start(i)
	}
	nw.waitHeight(0, 2, 30*time.Second)
	return nw
}

// reload reads testnet.json again (after add-node).
func (nw *network) reload() {
	tn, err := node.LoadTestnet(nw.dir)
	if err != nil {
		nw.t.Fatal(err)
	}
	nw.tn = tn
}

// cli runs the binary and fails the test if it fails.
func (nw *network) cli(args ...string) string {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, nw.bin, args...).CombinedOutput()
	if err != nil {
		nw.t.Fatalf("coldtrace %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (nw *network) home(i int) string { return filepath.Join(nw.dir, nw.tn.Nodes[i].Name) }

// start runs `coldtrace start` for node i, appending to DIR/nodeI.log.
func (nw *network) start(i int) {
	nw.t.Helper()
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if p := nw.procs[i]; p != nil {
		nw.t.Fatalf("node%d is running", i)
	}
	logf := nw.logs[i]
	if logf == nil {
		var err error
		logf, err = os.OpenFile(filepath.Join(nw.dir, fmt.Sprintf("node%d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			nw.t.Fatal(err)
		}
		nw.logs[i] = logf
	}
	cmd := exec.Command(nw.bin, "start", "--home", nw.home(i))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		nw.t.Fatal(err)
	}
	nw.procs[i] = cmd
}

// kill sends SIGKILL to node i and waits for it to die.
func (nw *network) kill(i int) { nw.signal(i, syscall.SIGKILL) }

func (nw *network) signal(i int, sig syscall.Signal) {
	nw.t.Helper()
	nw.mu.Lock()
	cmd := nw.procs[i]
	delete(nw.procs, i)
	nw.mu.Unlock()
	if cmd == nil {
		nw.t.Fatalf("node%d is not running", i)
	}
	_ = cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// stopAll stops every node it started (SIGTERM, then SIGKILL) and, when the
// test failed, logs the end of each node's log.
func (nw *network) stopAll() {
	nw.mu.Lock()
	ids := make([]int, 0, len(nw.procs))
	for i := range nw.procs {
		ids = append(ids, i)
	}
	nw.mu.Unlock()
	var wg sync.WaitGroup
	for _, i := range ids {
		wg.Add(1)
		go func(i int) { defer wg.Done(); nw.signal(i, syscall.SIGTERM) }(i)
	}
	wg.Wait()
	for i, f := range nw.logs {
		if nw.t.Failed() {
			nw.t.Logf("--- end of node%d.log:\n%s", i, tail(f.Name(), 25))
		}
		f.Close()
	}
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// client dials node i afresh (a restarted node's old connections are stale).
func (nw *network) client(i int) *client.Client {
	nw.t.Helper()
	c, err := client.Dial(nw.tn.Nodes[i].RPC)
	if err != nil {
		nw.t.Fatal(err)
	}
	return c
}

func (nw *network) status(i int) (*ctypes.ResultStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return nw.client(i).RPC().Status(ctx)
}

func (nw *network) height(i int) int64 {
	nw.t.Helper()
	st, err := nw.status(i)
	if err != nil {
		nw.t.Fatalf("node%d status: %v", i, err)
	}
	return st.SyncInfo.LatestBlockHeight
}

// waitHeight waits until node i's block store holds height h and it is not catching up.
func (nw *network) waitHeight(i int, h int64, within time.Duration) {
	nw.t.Helper()
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		st, err := nw.status(i)
		if err == nil && st.SyncInfo.LatestBlockHeight >= h && !st.SyncInfo.CatchingUp {
			return
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("height %d, catching up %v", st.SyncInfo.LatestBlockHeight, st.SyncInfo.CatchingUp)
		}
		time.Sleep(150 * time.Millisecond)
	}
	nw.t.Fatalf("node%d did not reach height %d within %s (%s)", i, h, within, last)
}

// block returns node i's block at height h.
func (nw *network) block(i int, h int64) *ctypes.ResultBlock {
	nw.t.Helper()
	b, err := nw.client(i).RPC().Block(context.Background(), &h)
	if err != nil {
		nw.t.Fatalf("node%d block %d: %v", i, h, err)
	}
	return b
}

// rootKey is the root regulator's key, in node0's keyring.
func (nw *network) rootKey() ed25519.PrivateKey {
	nw.t.Helper()
	k, err := client.NewKeyring(nw.home(0)).Get(node.RegulatorKeyName)
	if err != nil {
		nw.t.Fatal(err)
	}
	return k
}

// sameQuery asks every listed node the same proven query at height h and
// fails unless all answer with the same code, value and proof.
func (nw *network) sameQuery(h int64, path string, nodes ...int) []byte {
	nw.t.Helper()
	var first []byte
	var firstProof string
	for k, i := range nodes {
		res, err := nw.client(i).Query(context.Background(), path, h, true)
		if err != nil {
			nw.t.Fatalf("node%d query %s at %d: %v", i, path, h, err)
		}
		proof := res.ProofOps.String()
		if k == 0 {
			first, firstProof = res.Value, proof
			if len(first) == 0 || res.ProofOps == nil || len(res.ProofOps.Ops) == 0 {
				nw.t.Fatalf("node%d query %s: empty answer or no proof", i, path)
			}
			continue
		}
		if string(res.Value) != string(first) || proof != firstProof {
			nw.t.Fatalf("node%d answers %s at height %d differently from node%d", i, path, h, nodes[0])
		}
	}
	return first
}

// load drives a mixed trace load: each lane is an importer and a wholesale
// market; the importer commissions two codes, dispatches both to the market,
// which receives them and sells part of one, round after round, each tx
// sent to the lane's node and awaited.
type load struct {
	stop    atomic.Bool
	wg      sync.WaitGroup
	ok      atomic.Int64
	failed  atomic.Int64
	mu      sync.Mutex
	lastErr error
}

type lane struct {
	imp, market   ed25519.PrivateKey
	impU, marketU string
}

// setupLanes registers, with the root regulator's key through node0, an
// importer and a market per lane.
func (nw *network) setupLanes(n int) []lane {
	nw.t.Helper()
	var lanes []lane
	var txMsgs []*types.MsgRegisterEnterprise
	for k := 0; k < n; k++ {
		l := lane{imp: testKey(fmt.Sprint("lane-imp-", k)), market: testKey(fmt.Sprint("lane-market-", k)),
			impU: mkUSCC(fmt.Sprintf("91330100MA2L%d1111", k)), marketU: mkUSCC(fmt.Sprintf("91330100MA2M%d2222", k))}
		txMsgs = append(txMsgs,
			&types.MsgRegisterEnterprise{Uscc: l.impU, Name: "Importer " + l.impU, Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, Division: "330100", Keys: [][]byte{pub(l.imp)}},
			&types.MsgRegisterEnterprise{Uscc: l.marketU, Name: "Market " + l.marketU, Kind: types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, Division: "330100", Keys: [][]byte{pub(l.market)}})
		lanes = append(lanes, l)
	}
	var msgs []proto.Message
	for _, m := range txMsgs {
		msgs = append(msgs, m)
	}
	if _, err := nw.client(0).Send(context.Background(), nw.rootKey(), msgs...); err != nil {
		nw.t.Fatalf("register the lanes' enterprises: %v", err)
	}
	return lanes
}

func laneFacts() *types.ProductFacts {
	return &types.ProductFacts{Name: "Frozen hairtail", Category: "frozen fish", OriginCountry: "CN",
		ProductionDate: time.Now().UTC().AddDate(0, 0, -30).Format(time.DateOnly), ShelfLifeDays: 540,
		TempMinCenti: -3000, TempMaxCenti: -1800}
}

func laneCode(k, round, i int) string {
	return fmt.Sprintf("/01/09521234543213/10/L%d-%d/21/%04d", k, round, i)
}

// runLoad starts one goroutine per lane; lane k talks to node nodes[k].
func (nw *network) runLoad(lanes []lane, nodes []int) *load {
	ld := &load{}
	for k, l := range lanes {
		c := nw.client(nodes[k])
		c.WaitTimeout = 20 * time.Second
		ld.wg.Add(1)
		go func(k int, l lane, c *client.Client) {
			defer ld.wg.Done()
			ctx := context.Background()
			for round := 0; !ld.stop.Load(); round++ {
				codes := []*types.NewCode{
					{Code: fmt.Sprintf("(01)09521234543213(10)L%d-%d(21)0001", k, round), Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
					{Code: fmt.Sprintf("(01)09521234543213(10)L%d-%d(21)0002", k, round), Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
				}
				if _, err := c.Send(ctx, l.imp, &types.MsgCommission{Batch: fmt.Sprintf("L%d-%d", k, round), Facts: laneFacts(), Codes: codes}); !ld.note(err) {
					continue
				}
				items := []*types.CodeQuantity{{Code: laneCode(k, round, 1), Quantity: 20_000}, {Code: laneCode(k, round, 2), Quantity: 20_000}}
				res, err := c.Send(ctx, l.imp, &types.MsgDispatch{Buyer: l.marketU, Items: items})
				if !ld.note(err) {
					continue
				}
				id, err := hex.DecodeString(attribute(res, "dispatch", "consignment"))
				if err != nil || len(id) == 0 {
					ld.note(fmt.Errorf("dispatch without a consignment id: %v", res.Events))
					continue
				}
				if _, err := c.Send(ctx, l.market, &types.MsgReceive{Consignment: id, Received: items}); !ld.note(err) {
					continue
				}
				_, err = c.Send(ctx, l.market, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: laneCode(k, round, 1), Quantity: 5000}}})
				ld.note(err)
			}
		}(k, l, c)
	}
	return ld
}

// note counts a tx's outcome; it reports whether it succeeded.
func (ld *load) note(err error) bool {
	if err != nil {
		ld.failed.Add(1)
		ld.mu.Lock()
		ld.lastErr = err
		ld.mu.Unlock()
		return false
	}
	ld.ok.Add(1)
	return true
}

func (ld *load) finish() {
	ld.stop.Store(true)
	ld.wg.Wait()
}

func attribute(res *client.TxResult, typ, key string) string {
	for _, e := range res.Events {
		for _, a := range e.Attributes {
			if e.Type == typ && a.Key == key {
				return a.Value
			}
		}
	}
	return ""
}

package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// ScaleConfig sets a scale run: state built through the real app in process
// (signed txs, FinalizeBlock and Commit, no consensus) up to each checkpoint.
type ScaleConfig struct {
	Dir         string  // where the state lives; emptied first
	Checkpoints []int64 // codes commissioned at each checkpoint, ascending
	CodesPerTx  int     // codes named by each message (default 100)
	Chains      int     // supply chains (producer, warehouse, retailer), one tx each per block (default 50)
	Queries     int     // code queries with proof at each checkpoint (default 1,000)
	KeepRecent  int64   // tree versions kept (default: state.DefaultOptions, as a node)
	CacheSize   int     // tree nodes cached in memory (default: state.DefaultOptions)
	Backend     string  // the state's storage engine (default: goleveldb; the command's is pebbledb, as new homes)
	Progress    func(codes int64, elapsed time.Duration)
	// Measured, if set, is called with each checkpoint as soon as it is
	// measured, so a long run that is stopped keeps what it measured.
	Measured func(Checkpoint)
}

// Checkpoint is what a scale run measured once the state held Codes codes.
type Checkpoint struct {
	Codes          int64   `json:"codes"`
	Events         int64   `json:"events"`
	Txs            int64   `json:"txs"`
	Height         int64   `json:"height"`
	Keys           int64   `json:"state_keys"`
	StateBytes     int64   `json:"state_bytes"`
	BytesPerEvent  float64 `json:"state_bytes_per_event"`
	PeakRSSBytes   int64   `json:"peak_rss_bytes"`
	Block1000Ms    float64 `json:"block_1000_txs_ms"` // FinalizeBlock+Commit of 1,000 one-code sales, signatures verified in the block
	QueryP50Ms     float64 `json:"query_with_proof_p50_ms"`
	QueryP99Ms     float64 `json:"query_with_proof_p99_ms"`
	ReopenMs       float64 `json:"reopen_ms"` // close, then open the tree and the app again
	SnapshotBytes  int64   `json:"snapshot_bytes"`
	RestoreMs      float64 `json:"restore_ms"`    // the snapshot rebuilt into an empty state, as a joining node does
	BuildSeconds   float64 `json:"build_seconds"` // since the run started
	CodeEventsPerS float64 `json:"build_events_per_sec"`
}

// scaleChain is one supply chain: a producer commissions batches and
// dispatches them to a cold warehouse, which receives them and dispatches
// them on to a retailer, which receives them and sells half.
type scaleChain struct {
	keys  [3]ed25519.PrivateKey // producer, warehouse, retailer
	uscc  [3]string
	batch int
}

type scaleRun struct {
	cfg     ScaleConfig
	chainID string
	a       *app.App
	tree    *state.Tree
	height  int64
	seq     map[string]uint64
	pending [][]byte
	codes   int64
	events  int64
	txs     int64
	held    []heldCode // codes a retailer holds, unsold, for the 1,000-tx block
	chains  []*scaleChain
	root    ed25519.PrivateKey
	start   time.Time
}

const scaleChainID = "coldtrace-scale"

// Scale builds state up to each checkpoint and measures it there.
func Scale(ctx context.Context, cfg ScaleConfig) ([]Checkpoint, error) {
	if cfg.CodesPerTx <= 0 {
		cfg.CodesPerTx = 100
	}
	if cfg.Chains <= 0 {
		cfg.Chains = 50
	}
	if cfg.Queries <= 0 {
		cfg.Queries = 1000
	}
	if len(cfg.Checkpoints) == 0 || !sort.SliceIsSorted(cfg.Checkpoints, func(i, j int) bool { return cfg.Checkpoints[i] < cfg.Checkpoints[j] }) {
		return nil, errors.New("scale: checkpoints must be given in ascending order")
	}
	if err := os.RemoveAll(cfg.Dir); err != nil {
		return nil, err
	}
	r := &scaleRun{cfg: cfg, chainID: scaleChainID, seq: map[string]uint64{}, start: time.Now()}
	if err := r.open(0); err != nil {
		return nil, err
	}
	defer func() { r.a.Close() }()
	if err := r.genesis(); err != nil {
		return nil, err
	}
	var out []Checkpoint
	for _, cp := range cfg.Checkpoints {
		for r.codes < cp {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			before := r.codes
			if err := r.round(); err != nil {
				return out, err
			}
			if cfg.Progress != nil && r.codes/100_000 != before/100_000 {
				cfg.Progress(r.codes, time.Since(r.start))
			}
		}
		if err := r.flush(); err != nil {
			return out, err
		}
		m, err := r.measure()
		if err != nil {
			return out, err
		}
		out = append(out, m)
		if cfg.Measured != nil {
			cfg.Measured(m)
		}
	}
	return out, nil
}

func scaleKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("coldtrace scale " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// treeOptions are a node's tree options with the run's settings.
func (r *scaleRun) treeOptions() state.Options {
	opts := state.DefaultOptions()
	if r.cfg.KeepRecent > 0 {
		opts.KeepRecent = r.cfg.KeepRecent
	}
	if r.cfg.CacheSize > 0 {
		opts.CacheSize = r.cfg.CacheSize
	}
	opts.Backend = r.cfg.Backend
	return opts
}

// open opens the tree and the app over cfg.Dir, snapshots every
// snapInterval heights (0: none).
func (r *scaleRun) open(snapInterval int64) error {
	tree, err := state.Open(filepath.Join(r.cfg.Dir, "state"), r.treeOptions())
	if err != nil {
		return err
	}
	a, err := app.New(tree, log.NewNopLogger())
	if err != nil {
		tree.Close()
		return err
	}
	if snapInterval > 0 {
		if err := a.EnableSnapshots(app.SnapshotOptions{Dir: filepath.Join(r.cfg.Dir, "snapshots"), Interval: snapInterval, KeepRecent: 1}); err != nil {
			a.Close()
			return err
		}
	}
	r.a, r.tree = a, tree
	return nil
}

func (r *scaleRun) genesis() error {
	r.root = scaleKey("root")
	g, err := protojson.Marshal(&types.GenesisState{
		Params: types.DefaultParams(), RulesVersion: types.LatestRules,
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang", Keys: [][]byte{r.root.Public().(ed25519.PublicKey)}},
	})
	if err != nil {
		return err
	}
	if _, err := r.a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: r.chainID, InitialHeight: 1, AppStateBytes: g, Time: r.blockTime(0)}); err != nil {
		return err
	}
	// Eleven city regulators, as in Zhejiang, and the chains' enterprises,
	// registered by the province's regulator.
	var msgs []proto.Message
	for i, div := range []string{"330100", "330200", "330300", "330400", "330500", "330600", "330700", "330800", "330900", "331000", "331100"} {
		msgs = append(msgs, &types.MsgRegisterRegulator{Division: div, Name: "City " + div, Keys: [][]byte{scaleKey("city" + strconv.Itoa(i)).Public().(ed25519.PublicKey)}})
	}
	kinds := [3]types.EnterpriseKind{types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET}
	for i := 0; i < r.cfg.Chains; i++ {
		ch := &scaleChain{}
		for j := range ch.keys {
			ch.keys[j] = scaleKey(fmt.Sprintf("chain%d-%d", i, j))
			body := fmt.Sprintf("91330000CL%07d", i*3+j)
			check, err := types.USCCCheckChar(body)
			if err != nil {
				return err
			}
			uscc := body + string(check)
			ch.uscc[j] = uscc
			msgs = append(msgs, &types.MsgRegisterEnterprise{Uscc: uscc, Name: fmt.Sprintf("Scale enterprise %d-%d", i, j),
				Kind: kinds[j], Division: "330000", Keys: [][]byte{ch.keys[j].Public().(ed25519.PublicKey)}})
		}
		r.chains = append(r.chains, ch)
	}
	for start := 0; start < len(msgs); start += 50 {
		if err := r.add(r.root, msgs[start:min(start+50, len(msgs))]...); err != nil {
			return err
		}
	}
	return r.flush()
}

// blockTime: one block a second from a fixed day, so runs are alike.
func (r *scaleRun) blockTime(h int64) time.Time {
	return time.Date(2026, 11, 2, 8, 0, 0, 0, types.China).Add(time.Duration(h) * time.Second)
}

// add signs a tx of msgs with key and queues it for the next block.
func (r *scaleRun) add(key ed25519.PrivateKey, msgs ...proto.Message) error {
	raw, err := r.sign(key, msgs...)
	if err != nil {
		return err
	}
	r.pending = append(r.pending, raw)
	return nil
}

func (r *scaleRun) sign(key ed25519.PrivateKey, msgs ...proto.Message) ([]byte, error) {
	k := string(key.Public().(ed25519.PublicKey))
	raw, err := client.SignTx(key, r.chainID, r.seq[k], "", msgs...)
	if err == nil {
		r.seq[k]++
		r.txs++
	}
	return raw, err
}

// flush runs the queued txs as one block; any refusal ends the run.
func (r *scaleRun) flush() error {
	if len(r.pending) == 0 {
		return nil
	}
	txs := r.pending
	r.pending = nil
	_, err := r.block(txs)
	return err
}

// block finalizes and commits one block of txs, all of which must pass.
func (r *scaleRun) block(txs [][]byte) (time.Duration, error) {
	r.height++
	t0 := time.Now()
	res, err := r.a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: r.height, Time: r.blockTime(r.height), Txs: txs})
	if err != nil {
		return 0, err
	}
	if _, err := r.a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		return 0, err
	}
	took := time.Since(t0)
	for i, tr := range res.TxResults {
		if tr.Code != 0 {
			return took, fmt.Errorf("scale: block %d, tx %d refused with code %d: %s", r.height, i, tr.Code, tr.Log)
		}
	}
	return took, nil
}

// round moves one batch of CodesPerTx codes through every chain: the
// producers commission, dispatch to their warehouses, which receive and
// dispatch to their retailers, which receive and sell half. Each step is a
// block of one tx per chain, since the next step needs its result (a
// receive names its dispatch).
func (r *scaleRun) round() error {
	n := r.cfg.CodesPerTx
	type lot struct {
		items []*types.CodeQuantity
		prev  []byte
	}
	lots := make([]lot, len(r.chains))
	for step := 0; step < 6; step++ {
		for c, ch := range r.chains {
			var from int
			var msg proto.Message
			switch step {
			case 0:
				ch.batch++
				batch := fmt.Sprintf("S%dC%d", ch.batch, c)
				codes := make([]*types.NewCode, n)
				lots[c].items = make([]*types.CodeQuantity, n)
				for i := range codes {
					code := scaleCode(batch, i)
					codes[i] = &types.NewCode{Code: code, Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}
					lots[c].items[i] = &types.CodeQuantity{Code: code, Quantity: 1000}
				}
				msg = &types.MsgCommission{Batch: batch, Codes: codes, Facts: benchFacts()}
			case 1:
				msg = &types.MsgDispatch{Buyer: ch.uscc[1], Items: lots[c].items}
			case 2:
				from, msg = 1, &types.MsgReceive{Consignment: app.ConsignmentID(types.TxHash(lots[c].prev), 0), Received: lots[c].items}
			case 3:
				from, msg = 1, &types.MsgDispatch{Buyer: ch.uscc[2], Items: lots[c].items}
			case 4:
				from, msg = 2, &types.MsgReceive{Consignment: app.ConsignmentID(types.TxHash(lots[c].prev), 0), Received: lots[c].items}
			case 5:
				from, msg = 2, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: lots[c].items[:n/2]}
			}
			raw, err := r.sign(ch.keys[from], msg)
			if err != nil {
				return err
			}
			r.pending = append(r.pending, raw)
			lots[c].prev = raw
		}
		if err := r.flush(); err != nil {
			return err
		}
	}
	for c := range r.chains {
		r.codes += int64(n)
		r.events += int64(n*5 + n/2)
		for _, it := range lots[c].items[n/2:] {
			r.held = append(r.held, heldCode{code: it.Code, chain: c})
		}
	}
	return nil
}

func scaleCode(batch string, i int) string {
	return fmt.Sprintf("/01/09521234543213/10/%s/21/%d", batch, i)
}

type heldCode struct {
	code  string
	chain int
}

// measure takes a checkpoint's figures.
func (r *scaleRun) measure() (Checkpoint, error) {
	m := Checkpoint{Codes: r.codes, Events: r.events, Txs: r.txs, Height: r.height, Keys: r.tree.Size(),
		BuildSeconds: time.Since(r.start).Seconds()}
	m.CodeEventsPerS = float64(r.events) / m.BuildSeconds
	runtime.GC()
	var err error
	if m.QueryP50Ms, m.QueryP99Ms, err = r.queries(); err != nil {
		return m, err
	}
	m.StateBytes = dirSize(filepath.Join(r.cfg.Dir, "state"))
	m.BytesPerEvent = float64(m.StateBytes) / float64(r.events)

	// A block of 1,000 one-code sales from the retailers' stock, the
	// signatures verified in the block as a node that did not see them
	// in its mempool does; the caches are warm, as in a running node.
	if len(r.held) < 1000 {
		return m, errors.New("scale: fewer than 1,000 held codes for the block of sales; raise the first checkpoint")
	}
	txs := make([][]byte, 0, 1000)
	for i := 0; i < 1000; i++ {
		h := r.held[len(r.held)-1-i]
		raw, err := r.sign(r.chains[h.chain].keys[2], &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: h.code, Quantity: 1000}}})
		if err != nil {
			return m, err
		}
		txs = append(txs, raw)
	}
	r.held = r.held[:len(r.held)-1000]
	took, err := r.block(txs)
	if err != nil {
		return m, err
	}
	r.events += 1000
	m.Block1000Ms = ms(took)

	// Restart: close everything, open the tree and the app again; the
	// reopened app takes a snapshot after the next (empty) block.
	if err := r.a.Close(); err != nil {
		return m, err
	}
	t0 := time.Now()
	if err := r.open(r.height + 1); err != nil {
		return m, err
	}
	m.ReopenMs = ms(time.Since(t0))
	if _, err := r.block(nil); err != nil {
		return m, err
	}
	r.a.WaitSnapshots()
	m.SnapshotBytes = dirSize(filepath.Join(r.cfg.Dir, "snapshots"))
	if m.RestoreMs, err = r.restore(); err != nil {
		return m, err
	}
	m.PeakRSSBytes = selfPeakRSS()
	// Back to building without snapshots.
	if err := r.a.Close(); err != nil {
		return m, err
	}
	if err := os.RemoveAll(filepath.Join(r.cfg.Dir, "snapshots")); err != nil {
		return m, err
	}
	return m, r.open(0)
}

// restore times what a node joining by state sync does with the snapshot
// once its chunks are on disk: rebuild the tree from it in an empty state of
// the same engine, checked against its app hash (app.RestoreSnapshotDir).
func (r *scaleRun) restore() (float64, error) {
	dirs, err := filepath.Glob(filepath.Join(r.cfg.Dir, "snapshots", "[0-9]*"))
	if err != nil || len(dirs) != 1 {
		return 0, fmt.Errorf("scale: want one snapshot, found %v (%v)", dirs, err)
	}
	dir := dirs[0]
	into := filepath.Join(r.cfg.Dir, "restored")
	defer os.RemoveAll(into)
	t0 := time.Now()
	tree, err := state.Open(into, r.treeOptions())
	if err != nil {
		return 0, err
	}
	_, _, err = app.RestoreSnapshotDir(tree, dir)
	took := ms(time.Since(t0))
	if cerr := tree.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("scale: restore the snapshot in %s: %w", dir, err)
	}
	return took, nil
}

// queries asks for Queries codes spread over the whole state, with proofs,
// in process, and returns the p50 and p99 in milliseconds.
func (r *scaleRun) queries() (float64, float64, error) {
	var took []time.Duration
	n := int64(r.cfg.CodesPerTx)
	batches := r.codes / n
	for i := 0; i < r.cfg.Queries; i++ {
		b := int64(i) * 7919 % batches
		c := b % int64(len(r.chains))
		code := scaleCode(fmt.Sprintf("S%dC%d", b/int64(len(r.chains))+1, c), int(int64(i)%n))
		t0 := time.Now()
		res, err := r.a.Query(context.Background(), &abci.RequestQuery{Path: "/trace/code?code=" + url.QueryEscape(code), Prove: true})
		d := time.Since(t0)
		if err != nil {
			return 0, 0, err
		}
		if res.Code != 0 || res.ProofOps == nil {
			return 0, 0, fmt.Errorf("scale: query of %s: code %d %s", code, res.Code, res.Log)
		}
		took = append(took, d)
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	return ms(took[len(took)/2]), ms(took[len(took)*99/100]), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// selfPeakRSS is this process's VmHWM.
func selfPeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

package bench

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// Config says what load to drive, where, and for how long.
type Config struct {
	Nodes       []string           // RPC addresses; txs are spread over them
	Regulator   ed25519.PrivateKey // a regulator key that may register enterprises in Division
	Division    string             // where the bench enterprises are registered (the regulator's own)
	Duration    time.Duration      // how long to send
	Rate        float64            // txs per second to offer (0: as fast as the node accepts)
	EventsPerTx int                // codes per message, 1..1000
	Pairs       int                // pairs of enterprises sending in parallel (2 keys each)
	Sensor      bool               // add a sensor report to every cycle
	Drain       time.Duration      // how long to wait for the last txs to commit
	Run         string             // a tag that makes this run's codes unique (default: time based)
	// KVStore drives CometBFT's example kvstore app instead, with 250-byte
	// "key=value" txs from as many goroutines, for a baseline on the same machine.
	KVStore bool
}

// Report is what was committed, measured from the blocks.
type Report struct {
	Sent            int64            `json:"sent"`
	Committed       int64            `json:"committed_txs"`
	Events          int64            `json:"committed_events"`
	Refused         map[string]int64 `json:"refused_by_code"`
	Seconds         float64          `json:"window_seconds"`
	TxPerSec        float64          `json:"tx_per_sec"`
	EventsPerSec    float64          `json:"events_per_sec"`
	LatencyP50Ms    int64            `json:"latency_p50_ms"`
	LatencyP90Ms    int64            `json:"latency_p90_ms"`
	LatencyP99Ms    int64            `json:"latency_p99_ms"`
	Blocks          int64            `json:"blocks"`
	FirstHeight     int64            `json:"first_height"`
	LastHeight      int64            `json:"last_height"`
	EventsPerTx     int              `json:"events_per_tx"`
	PeakRSSBytes    int64            `json:"node_peak_rss_bytes,omitempty"`
	StoreBytesDelta int64            `json:"store_bytes_delta,omitempty"`
	StoreBytesPerEv float64          `json:"store_bytes_per_event,omitempty"`
	// Partial is set when the run could not be measured to its end (no
	// node answered): the figures cover what was read before, and Error
	// says why.
	Partial bool   `json:"partial,omitempty"`
	Error   string `json:"error,omitempty"`
	// NodeErrors counts, by full text, the errors met reading blocks from
	// the nodes (the run went on with another node or after a retry).
	NodeErrors map[string]int64 `json:"node_errors,omitempty"`
}

// submitted is one tx in flight.
type submitted struct {
	at     time.Time
	events int
}

type tracker struct {
	mu       sync.Mutex
	inflight map[string]submitted
	lat      []time.Duration
	events   int64
	refused  map[string]int64
	sent     atomic.Int64
}

func (t *tracker) sentTx(hash []byte, events int) {
	t.mu.Lock()
	t.inflight[string(hash)] = submitted{at: time.Now(), events: events}
	t.mu.Unlock()
	t.sent.Add(1)
}

func (t *tracker) refuse(why string) {
	t.mu.Lock()
	t.refused[why]++
	t.mu.Unlock()
}

// Run drives the load and measures it.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Nodes) == 0 {
		return nil, errors.New("bench: no node address")
	}
	if cfg.EventsPerTx < 1 || cfg.EventsPerTx > types.MaxCodesPerMsg {
		return nil, fmt.Errorf("bench: events per tx must be 1..%d", types.MaxCodesPerMsg)
	}
	if cfg.Pairs < 1 || cfg.Pairs > 50 {
		return nil, errors.New("bench: pairs must be 1..50")
	}
	if cfg.Drain == 0 {
		cfg.Drain = 20 * time.Second
	}
	if cfg.Run == "" {
		cfg.Run = fmt.Sprintf("%X", time.Now().UnixNano()&0xffffffff)
	}
	clients := make([]*client.Client, len(cfg.Nodes))
	for i, n := range cfg.Nodes {
		c, err := client.Dial(n)
		if err != nil {
			return nil, err
		}
		clients[i] = c
	}
	var pairs []*pair
	if cfg.KVStore {
		pairs = make([]*pair, cfg.Pairs)
		for i := range pairs {
			pairs[i] = &pair{batch: fmt.Sprintf("%s-%d", cfg.Run, i)}
		}
	} else {
		var err error
		if pairs, err = setup(ctx, clients[0], cfg); err != nil {
			return nil, fmt.Errorf("bench: setup: %w", err)
		}
	}
	st, err := clients[0].RPC().Status(ctx)
	if err != nil {
		return nil, err
	}
	startHeight := st.SyncInfo.LatestBlockHeight

	tr := &tracker{inflight: map[string]submitted{}, refused: map[string]int64{}}
	var limiter *rate.Limiter
	if cfg.Rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(cfg.Rate), int(cfg.Rate/10)+1)
	}
	start := time.Now()
	sendCtx, stop := context.WithTimeout(ctx, cfg.Duration)
	defer stop()
	var wg sync.WaitGroup
	for i, p := range pairs {
		wg.Add(1)
		go func(i int, p *pair) {
			defer wg.Done()
			c := clients[i%len(clients)]
			if cfg.KVStore {
				p.driveKV(sendCtx, c, limiter, tr)
			} else {
				p.a, p.b = c.Signer(p.ka), c.Signer(p.kb)
				p.drive(sendCtx, c, limiter, tr, cfg)
			}
		}(i, p)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	rep := &Report{EventsPerTx: cfg.EventsPerTx, NodeErrors: map[string]int64{}}
	w := &watcher{clients: clients, tr: tr, rep: rep, start: start}
	done := make(chan struct{})
	go func() { w.run(watchCtx, startHeight); close(done) }()
	wg.Wait()
	// Drain: wait until nothing is in flight or the drain time is over.
	deadline := time.Now().Add(cfg.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		tr.mu.Lock()
		n := len(tr.inflight)
		tr.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	stopWatch()
	<-done
	return finish(rep, tr, w.failing())
}

// finish fills in the totals and percentiles from what was measured. When
// the nodes stopped answering (lastErr), the report is marked partial and
// returned with the error, so a run that dies still says what it measured.
func finish(rep *Report, tr *tracker, lastErr error) (*Report, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	rep.Sent = tr.sent.Load()
	rep.Refused = tr.refused
	if n := len(tr.inflight); n > 0 {
		why := "not committed before the drain ended"
		if lastErr != nil {
			why = "fate unknown: no node answered to say whether they were committed"
		}
		rep.Refused[why] += int64(n)
	}
	rep.Events = tr.events
	if rep.Seconds > 0 {
		rep.TxPerSec = float64(rep.Committed) / rep.Seconds
		rep.EventsPerSec = float64(rep.Events) / rep.Seconds
	}
	sort.Slice(tr.lat, func(i, j int) bool { return tr.lat[i] < tr.lat[j] })
	pct := func(p int) int64 {
		if len(tr.lat) == 0 {
			return 0
		}
		return tr.lat[(len(tr.lat)-1)*p/100].Milliseconds()
	}
	rep.LatencyP50Ms, rep.LatencyP90Ms, rep.LatencyP99Ms = pct(50), pct(90), pct(99)
	if len(rep.NodeErrors) == 0 {
		rep.NodeErrors = nil
	}
	if lastErr != nil {
		rep.Partial, rep.Error = true, lastErr.Error()
		return rep, fmt.Errorf("bench: the nodes stopped answering; the report covers what was measured before: %w", lastErr)
	}
	return rep, nil
}

// watcher reads committed blocks from the first node that answers, so a
// node that dies mid-run (a fault test) does not end the measurement while
// another one still serves the chain.
type watcher struct {
	clients []*client.Client
	tr      *tracker
	rep     *Report
	cur     int // index of the client in use

	// The window runs from the first send to the moment the results of the
	// last block with our txs were read: block times would not do, as a
	// block's time is set by votes cast before it is executed, and a large
	// block takes seconds to execute. Counting from the first block of ours
	// made a node that let its mempool fill look faster than it was: its
	// first blocks came seconds after the sends began, and a run of three
	// long blocks was measured over their intervals alone.
	start, last time.Time

	mu      sync.Mutex
	lastErr error // the error of the last attempt; nil once a read succeeds
}

func (w *watcher) failing() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}

// run reads every committed block after start until ctx ends; errors are
// counted, the next node tried, and the read retried.
func (w *watcher) run(ctx context.Context, start int64) {
	next := start + 1
	for {
		n, err := w.read(ctx, next)
		next = n
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		w.lastErr = err
		w.mu.Unlock()
		if err != nil {
			w.tr.mu.Lock()
			w.rep.NodeErrors[err.Error()]++
			w.tr.mu.Unlock()
			w.cur = (w.cur + 1) % len(w.clients)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// read matches the txs of blocks next.. to what was sent and returns the
// next height to read: committed throughput is measured from blocks, not
// sends.
func (w *watcher) read(ctx context.Context, next int64) (int64, error) {
	c, tr, rep := w.clients[w.cur], w.tr, w.rep
	st, err := c.RPC().Status(ctx)
	if err != nil {
		return next, err
	}
	for ; next <= st.SyncInfo.LatestBlockHeight; next++ {
		h := next
		blk, err := c.RPC().Block(ctx, &h)
		if err != nil {
			return next, err
		}
		res, err := c.RPC().BlockResults(ctx, &h)
		if err != nil && h == st.SyncInfo.LatestBlockHeight {
			// The newest block is stored before it is executed: its results
			// come a moment later, at the next poll.
			return next, nil
		}
		if err != nil {
			return next, err
		}
		seen := time.Now()
		mine := 0
		tr.mu.Lock()
		for i, tx := range blk.Block.Data.Txs {
			s, ok := tr.inflight[string(tx.Hash())]
			if !ok {
				continue
			}
			delete(tr.inflight, string(tx.Hash()))
			mine++
			if code := res.TxsResults[i].Code; code != 0 {
				tr.refused[codeName(code)]++
				continue
			}
			rep.Committed++
			tr.events += int64(s.events)
			tr.lat = append(tr.lat, seen.Sub(s.at))
		}
		if mine > 0 {
			if rep.FirstHeight == 0 {
				rep.FirstHeight = h
			}
			w.last, rep.LastHeight = seen, h
			rep.Blocks++
			rep.Seconds = w.last.Sub(w.start).Seconds()
		}
		tr.mu.Unlock()
	}
	return next, nil
}

func codeName(code uint32) string {
	if e := types.ErrorByCode(code); e != nil {
		return fmt.Sprintf("%d %s", code, e.Name)
	}
	return fmt.Sprintf("%d", code)
}

// pair is two bench enterprises and their keys: A commissions and
// dispatches to B, B receives and sells. One goroutine drives both, so every
// tx follows the one it depends on in the mempool's order.
type pair struct {
	ka, kb    ed25519.PrivateKey
	a, b      *client.Signer // the keys' signers on the node this pair sends to
	ua, ub    string
	batch     string
	next      int
	committed bool // A's batch has its facts on chain
	chainID   string
}

func (p *pair) drive(ctx context.Context, c *client.Client, lim *rate.Limiter, tr *tracker, cfg Config) {
	for ctx.Err() == nil {
		codes := make([]string, cfg.EventsPerTx)
		for i := range codes {
			codes[i] = fmt.Sprintf("/01/09521234543213/10/%s/21/%d", p.batch, p.next)
			p.next++
		}
		com := &types.MsgCommission{Batch: p.batch}
		if !p.committed {
			com.Facts = benchFacts()
		}
		for _, code := range codes {
			com.Codes = append(com.Codes, &types.NewCode{Code: code, Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
		}
		items := make([]*types.CodeQuantity, len(codes))
		for i, code := range codes {
			items[i] = &types.CodeQuantity{Code: code, Quantity: 1000}
		}
		if !p.send(ctx, p.a, lim, tr, len(codes), com) {
			continue
		}
		p.committed = true
		dispatchRaw, ok := p.sendRaw(ctx, p.a, lim, tr, len(codes), &types.MsgDispatch{Buyer: p.ub, Items: items})
		if !ok {
			continue
		}
		if !p.send(ctx, p.b, lim, tr, len(codes), &types.MsgReceive{Consignment: app.ConsignmentID(dispatchRaw, 0), Received: items}) {
			continue
		}
		if cfg.Sensor {
			now := time.Now().Unix()
			p.send(ctx, p.b, lim, tr, len(codes), &types.MsgSensorReport{Codes: codes, MinCenti: -2100, MaxCenti: -1900,
				StartUnix: now - 600, EndUnix: now, DeviceId: "bench-logger"})
		}
		p.send(ctx, p.b, lim, tr, len(codes), &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: items})
	}
}

func (p *pair) send(ctx context.Context, s *client.Signer, lim *rate.Limiter, tr *tracker, events int, m proto.Message) bool {
	_, ok := p.sendRaw(ctx, s, lim, tr, events, m)
	return ok
}

// sendRaw broadcasts one message and returns the tx bytes' hash when the
// mempool took it.
func (p *pair) sendRaw(ctx context.Context, s *client.Signer, lim *rate.Limiter, tr *tracker, events int, m proto.Message) ([]byte, bool) {
	if lim != nil && lim.Wait(ctx) != nil {
		return nil, false
	}
	if ctx.Err() != nil {
		return nil, false
	}
	res, err := s.Broadcast(ctx, m)
	if err != nil && ctx.Err() != nil {
		return nil, false // the run ended while this tx was on its way
	}
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) {
			tr.refuse(codeName(ce.Code) + " (mempool)")
			return nil, false
		}
		if res != nil && len(res.Hash) > 0 {
			// Sent but unanswered: the tx may still commit, and is
			// counted if it does (or left in flight, its fate unknown).
			tr.sentTx(res.Hash, events)
		} else {
			tr.refuse(transportReason(err))
		}
		pause(ctx) // the node is unreachable: do not spin on it
		return nil, false
	}
	tr.sentTx(res.Hash, events)
	return res.Hash, true
}

// oneLine keeps an error's whole text, on one line, so identical reasons
// are counted together and none is cut short.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// txHash is a tx hash in an error's text; reasons that differ only in the
// hash are one reason.
var txHash = regexp.MustCompile(`\b[0-9A-Fa-f]{64}\b`)

// transportReason names a send that failed before any node answered.
func transportReason(err error) string {
	why := txHash.ReplaceAllString(oneLine(err.Error()), "…")
	if !strings.HasPrefix(why, "broadcast") {
		why = "broadcast: " + why
	}
	return why
}

// pause waits a little after a transport error, or until ctx ends.
func pause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(100 * time.Millisecond):
	}
}

func benchFacts() *types.ProductFacts {
	return &types.ProductFacts{Name: "Frozen hairtail", Category: "frozen fish", OriginCountry: "CN",
		ProductionDate: "2026-06-01", ShelfLifeDays: 540, Supplier: "Zhoushan Fisheries Co."}
}

// driveKV sends 250-byte "key=value" txs to a kvstore node, one at a time
// per goroutine, as the coldtrace driver does.
func (p *pair) driveKV(ctx context.Context, c *client.Client, lim *rate.Limiter, tr *tracker) {
	pad := strings.Repeat("x", 250)
	for ctx.Err() == nil {
		if lim != nil && lim.Wait(ctx) != nil {
			return
		}
		tx := []byte(fmt.Sprintf("%s-%08d=%s", p.batch, p.next, pad))[:250]
		p.next++
		res, err := c.RPC().BroadcastTxSync(ctx, tx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			tr.refuse(transportReason(err))
			pause(ctx)
		case res.Code != 0:
			tr.refuse(fmt.Sprintf("%d (mempool)", res.Code))
		default:
			tr.sentTx(res.Hash, 1)
		}
	}
}

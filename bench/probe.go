package bench

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// ProbeConfig says which running node to measure and how much.
type ProbeConfig struct {
	Node    string       // RPC address
	Trust   client.Trust // every answer is verified from this root
	Codes   int          // random existing codes to query
	Queries int          // measured queries of each kind
	// Regulator and Division, when set, let the probe register an
	// enterprise and record a code with HistoryEvents events, so the history
	// query reads a full page even on a chain whose codes have short
	// histories. Without them the longest history among the sampled codes
	// is measured.
	Regulator     ed25519.PrivateKey
	Division      string
	HistoryEvents int    // events of the history query (default 20)
	Seed          uint64 // of the random choice of blocks and codes (default: time based)
	MaxBlocks     int    // blocks read to find codes (default 10×Codes+100)
}

// maxHistoryEvents is what one tx of the default parameters can record:
// the commission and a sensor report per further event, 100 messages.
const maxHistoryEvents = 100

// Latency is a distribution of measured times.
type Latency struct {
	N      int     `json:"n"`
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
	MeanMs float64 `json:"mean_ms"`
}

// Latencies gives the percentiles of ds by nearest rank on the sorted
// times (p of n is element (n-1)·p/100, as the load bench's latencies), in
// milliseconds with microsecond resolution. ds is not changed.
func Latencies(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	at := func(p int) time.Duration { return s[(len(s)-1)*p/100] }
	return Latency{N: len(s), P50Ms: ms(at(50)), P99Ms: ms(at(99)), MaxMs: ms(s[len(s)-1]), MeanMs: ms(sum / time.Duration(len(s)))}
}

// ProbeReport is what a probe measured on a running node. The byte counts
// of the home are filled in by the caller, which knows where the home is.
type ProbeReport struct {
	Node    string `json:"node"`
	Height  int64  `json:"height"`   // the state every measured answer describes
	AppHash string `json:"app_hash"` // its app hash, from the verified header Height+1

	CodesSampled  int `json:"codes_sampled"`
	BlocksScanned int `json:"blocks_scanned"` // random blocks read to find them
	// From the province's statistics (a verified stats query), when a
	// regulator's division is known.
	CodesCommissioned uint64 `json:"codes_commissioned,omitempty"`
	EventsRecorded    uint64 `json:"events_recorded,omitempty"` // one per message, whatever its codes

	// CodeQuery: a code query with proof over RPC and the proofs verified
	// against the app hash of the verified header (the header checked once).
	CodeQuery      Latency `json:"code_query"`
	CodeQueryBytes int     `json:"code_query_bytes"` // mean answer: value and proofs
	// VerifiedQuery: the client's whole VerifiedQuery of a code, as the CLI
	// runs it: node status, the query with proof, the header, the proofs.
	VerifiedQuery Latency `json:"verified_query"`
	// History: a history page of HistoryEvents events with proofs, its hash
	// chain recomputed.
	History        Latency `json:"history_query"`
	HistoryBytes   int     `json:"history_query_bytes"`
	HistoryCode    string  `json:"history_code"`
	HistoryEvents  int     `json:"history_events"`
	HistoryCreated bool    `json:"history_created"` // the probe recorded the code itself
	Verified       int     `json:"answers_verified"`

	AppStateBytes   int64 `json:"app_state_bytes,omitempty"`
	BlockStoreBytes int64 `json:"block_store_bytes,omitempty"`
	TxIndexBytes    int64 `json:"tx_index_bytes,omitempty"`
	SnapshotBytes   int64 `json:"snapshot_bytes,omitempty"`
	Snapshots       int   `json:"snapshots,omitempty"`
	NodeRSSBytes    int64 `json:"node_peak_rss_bytes,omitempty"`
}

// Probe measures verified queries over RPC against a running node: it
// finds existing codes in random committed blocks, records (or finds) a
// code with a long history, verifies the header of one recent height, then
// queries the codes and the history at that height, interleaved, each
// answer's proofs verified. Any answer that fails verification ends the
// probe with the error: the figures are of answers a client accepts.
func Probe(ctx context.Context, cfg ProbeConfig) (*ProbeReport, error) {
	if cfg.Codes < 1 || cfg.Queries < 1 {
		return nil, errors.New("bench probe: codes and queries must be at least 1")
	}
	if cfg.HistoryEvents == 0 {
		cfg.HistoryEvents = 20
	}
	if cfg.HistoryEvents < 1 || cfg.HistoryEvents > maxHistoryEvents {
		return nil, fmt.Errorf("bench probe: history events must be 1..%d", maxHistoryEvents)
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.MaxBlocks == 0 {
		cfg.MaxBlocks = 10*cfg.Codes + 100
	}
	c, err := client.Dial(cfg.Node)
	if err != nil {
		return nil, err
	}
	// A node still working through a load's backlog may take minutes to
	// commit the probe's own txs.
	c.WaitTimeout = 10 * time.Minute
	rep := &ProbeReport{Node: cfg.Node}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	codes, scanned, err := sampleCodes(ctx, c, rng, cfg.Codes, cfg.MaxBlocks)
	rep.BlocksScanned = scanned
	if err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("bench probe: no committed commission in %d random blocks: build state first (coldtrace bench)", scanned)
	}
	rep.CodesSampled = len(codes)
	var recorded int64 // the height the history code was recorded at
	if cfg.Regulator != nil {
		if rep.HistoryCode, recorded, err = recordHistory(ctx, c, cfg); err != nil {
			return nil, fmt.Errorf("bench probe: recording a code with %d events: %w", cfg.HistoryEvents, err)
		}
		rep.HistoryCreated = true
	}

	headers, err := c.NewHeaders(ctx, cfg.Trust)
	if err != nil {
		return nil, err
	}
	// The newest height but one, whose app hash the newest header holds;
	// not below the height the history code was recorded at.
	for {
		st, err := c.RPC().Status(ctx)
		if err != nil {
			return nil, err
		}
		rep.Height = st.SyncInfo.LatestBlockHeight - 1
		if rep.Height >= max(recorded, 1) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	lb, _, err := headers.VerifyTo(ctx, rep.Height+1)
	if err != nil {
		return nil, err
	}
	appHash := lb.AppHash
	rep.AppHash = fmt.Sprintf("%X", []byte(appHash))

	// proven runs one query with proof at the probe's height and verifies it.
	proven := func(path string) (int, error) {
		res, err := c.Query(ctx, path, rep.Height, true)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		if _, err := client.VerifyAnswer(res, path, appHash); err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		rep.Verified++
		n := len(res.Value)
		if res.ProofOps != nil {
			for _, op := range res.ProofOps.Ops {
				n += len(op.Data) + len(op.Key)
			}
		}
		return n, nil
	}
	codePath := func(code string) string { return "/trace/code?code=" + url.QueryEscape(code) }

	if rep.HistoryCode == "" {
		// No code of our own: the longest history among the sampled codes.
		for _, code := range codes {
			var rec types.CodeRecord
			v, err := c.VerifiedQuery(ctx, codePath(code), headers)
			if err != nil {
				return nil, err
			}
			if err := proto.Unmarshal(v.Response.Value, &rec); err != nil {
				return nil, err
			}
			if int(rec.Events) > rep.HistoryEvents {
				rep.HistoryCode, rep.HistoryEvents = code, int(rec.Events)
			}
		}
		rep.HistoryEvents = min(rep.HistoryEvents, cfg.HistoryEvents)
	} else {
		rep.HistoryEvents = cfg.HistoryEvents
	}
	histPath := fmt.Sprintf("/trace/history?code=%s&limit=%d", url.QueryEscape(rep.HistoryCode), rep.HistoryEvents)
	res, err := c.Query(ctx, histPath, rep.Height, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", histPath, err)
	}
	if _, err := client.VerifyAnswer(res, histPath, appHash); err != nil {
		return nil, fmt.Errorf("%s: %w", histPath, err)
	}
	var page types.HistoryPage
	if err := proto.Unmarshal(res.Value, &page); err != nil {
		return nil, err
	}
	if len(page.Events) != rep.HistoryEvents {
		return nil, fmt.Errorf("bench probe: the history of %s has %d events at height %d, want %d", rep.HistoryCode, len(page.Events), rep.Height, rep.HistoryEvents)
	}

	// A few answers of each kind first, so connection set-up and cold
	// caches are not counted.
	for i := 0; i < min(10, len(codes)); i++ {
		if _, err := proven(codePath(codes[i])); err != nil {
			return nil, err
		}
		if _, err := proven(histPath); err != nil {
			return nil, err
		}
	}
	var codeT, verT, histT []time.Duration
	var codeBytes, histBytes int
	for i := 0; i < cfg.Queries; i++ {
		code := codes[rng.IntN(len(codes))]
		t := time.Now()
		n, err := proven(codePath(code))
		if err != nil {
			return nil, err
		}
		codeT, codeBytes = append(codeT, time.Since(t)), codeBytes+n

		t = time.Now()
		n, err = proven(histPath)
		if err != nil {
			return nil, err
		}
		histT, histBytes = append(histT, time.Since(t)), histBytes+n

		t = time.Now()
		if _, err := c.VerifiedQuery(ctx, codePath(code), headers); err != nil {
			return nil, err
		}
		verT = append(verT, time.Since(t))
		rep.Verified++
	}
	rep.CodeQuery, rep.History, rep.VerifiedQuery = Latencies(codeT), Latencies(histT), Latencies(verT)
	rep.CodeQueryBytes, rep.HistoryBytes = codeBytes/cfg.Queries, histBytes/cfg.Queries

	if cfg.Division != "" {
		if d, err := types.ParseDivision(cfg.Division); err == nil {
			var stats types.StatsList
			v, err := c.VerifiedQuery(ctx, "/supervision/stats/"+d.Prefix()[:2], headers)
			if err != nil {
				return nil, err
			}
			if err := proto.Unmarshal(v.Response.Value, &stats); err == nil && stats.Total != nil {
				rep.CodesCommissioned = stats.Total.CodesCommissioned
				for _, s := range stats.Total.Scans {
					rep.EventsRecorded += s.Count
				}
			}
		}
	}
	return rep, nil
}

// sampleCodes reads random committed blocks and takes codes their
// successful commissions created: a few from each block, so the sample
// spreads over the chain's history. It stops at n codes or maxBlocks blocks.
func sampleCodes(ctx context.Context, c *client.Client, rng *rand.Rand, n, maxBlocks int) ([]string, int, error) {
	st, err := c.RPC().Status(ctx)
	if err != nil {
		return nil, 0, err
	}
	chainID := st.NodeInfo.Network
	lo, hi := max(st.SyncInfo.EarliestBlockHeight, 1), st.SyncInfo.LatestBlockHeight-1
	if hi < lo {
		return nil, 0, nil
	}
	span := int(hi - lo + 1)
	perBlock := max(1, 2*n/min(span, maxBlocks))
	lim := types.Limits{ChainID: chainID, MaxTxBytes: 1 << 30, MaxMsgsPerTx: 1 << 20}
	seen, tried := map[string]bool{}, map[int64]bool{}
	var codes []string
	var leftovers [][]string // per block read, codes not taken (at most n)
	take := func(cs []string) {
		for _, code := range cs {
			if !seen[code] && len(codes) < n {
				seen[code] = true
				codes = append(codes, code)
			}
		}
	}
	scanned := 0
	for len(codes) < n && scanned < maxBlocks && len(tried) < span {
		h := lo + rng.Int64N(int64(span))
		if tried[h] {
			continue
		}
		tried[h] = true
		scanned++
		blk, err := c.RPC().Block(ctx, &h)
		if err != nil {
			return nil, scanned, err
		}
		var cands [][]string // per tx, the codes its commissions name
		for _, raw := range blk.Block.Data.Txs {
			var cs []string
			if d, err := types.DecodeTx(raw, lim, false); err == nil {
				for _, m := range d.Msgs {
					if com, ok := m.(*types.MsgCommission); ok {
						for _, nc := range com.Codes {
							cs = append(cs, nc.Code)
						}
					}
				}
			}
			cands = append(cands, cs)
		}
		var pool []string
		if slices.ContainsFunc(cands, func(cs []string) bool { return len(cs) > 0 }) {
			// Only committed commissions made codes: the results say which.
			res, err := c.RPC().BlockResults(ctx, &h)
			if err != nil {
				return nil, scanned, err
			}
			for j, cs := range cands {
				if j < len(res.TxsResults) && res.TxsResults[j].Code == 0 {
					pool = append(pool, cs...)
				}
			}
		}
		rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		k := min(perBlock, len(pool))
		take(pool[:k])
		if rest := pool[k:]; len(rest) > 0 {
			leftovers = append(leftovers, append([]string(nil), rest[:min(len(rest), n)]...))
		}
	}
	// A chain of few blocks: more codes from the blocks already read, one
	// from each in turn.
	for len(codes) < n && len(leftovers) > 0 {
		var next [][]string
		for _, rest := range leftovers {
			take(rest[:1])
			if len(rest) > 1 {
				next = append(next, rest[1:])
			}
		}
		leftovers = next
	}
	return codes[:min(len(codes), n)], scanned, nil
}

// recordHistory registers one enterprise through the regulator and records
// a code with cfg.HistoryEvents events in one tx: its commission, then
// sensor reports of one earlier ten-minute window each, within the range
// the product allows (so no excursion).
func recordHistory(ctx context.Context, c *client.Client, cfg ProbeConfig) (string, int64, error) {
	run := fmt.Sprintf("P%X", time.Now().UnixNano()&0xffffff)
	pairs, err := setup(ctx, c, Config{Pairs: 1, Regulator: cfg.Regulator, Division: cfg.Division, Run: run})
	if err != nil {
		return "", 0, err
	}
	p := pairs[0]
	code := fmt.Sprintf("/01/09521234543213/10/%s/21/H", p.batch)
	msgs := []proto.Message{&types.MsgCommission{Batch: p.batch, Facts: benchFacts(),
		Codes: []*types.NewCode{{Code: code, Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}}
	now := time.Now().Unix()
	for i := 1; i < cfg.HistoryEvents; i++ {
		end := now - int64(600*(cfg.HistoryEvents-i))
		msgs = append(msgs, &types.MsgSensorReport{Codes: []string{code}, MinCenti: -2100, MaxCenti: -1900,
			StartUnix: end - 600, EndUnix: end, DeviceId: "probe-logger"})
	}
	res, err := c.Signer(p.ka).Send(ctx, msgs...)
	if err != nil {
		return "", 0, err
	}
	return code, res.Height, nil
}

package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	dbm "github.com/cometbft/cometbft-db"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/state/indexer"
	blockidxkv "github.com/cometbft/cometbft/state/indexer/block/kv"
	"github.com/cometbft/cometbft/state/txindex"
	txidxkv "github.com/cometbft/cometbft/state/txindex/kv"
	"github.com/cometbft/cometbft/store"
	cmttypes "github.com/cometbft/cometbft/types"
)

// ReindexOptions bound the heights Reindex looks at; zero means the block
// store's base (From) or the last executed height (To).
type ReindexOptions struct {
	From, To int64
	// Force indexes every height in range again, also those that look
	// complete; without it only heights with a missing tx or block entry are
	// written.
	Force bool
}

// ReindexReport says what Reindex found and wrote.
type ReindexReport struct {
	// From and To are the range checked.
	From    int64   `json:"from"`
	To      int64   `json:"to"`
	Heights []int64 `json:"heights"` // heights (re)indexed
	Txs     int     `json:"txs"`     // txs written
	// Skipped holds heights whose block or FinalizeBlock response the home
	// no longer keeps, so they cannot be indexed.
	Skipped []int64 `json:"skipped,omitempty"`
	// Disabled is set when config.toml's tx_index.indexer is not "kv":
	// nothing is checked.
	Disabled bool `json:"disabled,omitempty"`
}

// checkedFile names the file, beside tx_index.db, that remembers the
// highest height the start-up check found complete, so a start checks only
// the blocks committed since instead of the whole chain.
const checkedFile = "tx_index.checked"

// CheckTxIndex runs at start, before CometBFT opens its stores: CometBFT's
// indexer writes a block's entries after the block is committed, so a node
// killed in between keeps the block and loses its txs from /tx and
// tx_search for good (the handshake replays nothing: app and store agree).
// It indexes every executed height whose txs or block entry are missing,
// with CometBFT's own indexers so the entries are the ones its indexer
// service writes. Heights up to the last one a previous start found
// complete are checked again only if that one is no longer complete (a
// deleted or replaced tx_index.db).
func CheckTxIndex(home string, logger log.Logger) (*ReindexReport, error) {
	conf, err := LoadCometConfig(home)
	if err != nil {
		return nil, err
	}
	if conf.TxIndex.Indexer != "kv" {
		return &ReindexReport{Disabled: true}, nil
	}
	s, err := openIndexStores(conf)
	if err != nil {
		return nil, err
	}
	defer s.close()
	marker := filepath.Join(conf.DBDir(), checkedFile)
	from := int64(0)
	if b, err := os.ReadFile(marker); err == nil {
		if h, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && h >= s.bs.Base() && h <= s.last {
			if block := s.bs.LoadBlock(h); block != nil {
				if ok, err := indexed(s.txIdx, s.blockIdx, block); err != nil {
					return nil, err
				} else if ok {
					from = h + 1
				} else {
					logger.Info("tx index: a height found complete before is not; checking every height", "height", h)
				}
			}
		}
	}
	if from > s.last {
		return &ReindexReport{}, nil
	}
	r, err := s.reindex(ReindexOptions{From: from}, logger)
	if err != nil {
		return r, err
	}
	if r.To > 0 {
		if err := os.WriteFile(marker, []byte(strconv.FormatInt(r.To, 10)+"\n"), 0o600); err != nil {
			return r, fmt.Errorf("tx index: %w", err)
		}
	}
	return r, nil
}

// Reindex checks and repairs the tx and block index of a stopped home in the
// given range (the on-demand form of CheckTxIndex, `coldtrace reindex`).
func Reindex(home string, o ReindexOptions, logger log.Logger) (*ReindexReport, error) {
	conf, err := LoadCometConfig(home)
	if err != nil {
		return nil, err
	}
	if conf.TxIndex.Indexer != "kv" {
		return &ReindexReport{Disabled: true}, nil
	}
	s, err := openIndexStores(conf)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.reindex(o, logger)
}

// indexStores are the home's block store, state store and kv indexers,
// opened as CometBFT opens them.
type indexStores struct {
	dbs      []dbm.DB
	bs       *store.BlockStore
	ss       sm.Store
	txIdx    txindex.TxIndexer
	blockIdx indexer.BlockIndexer
	// last is the last executed height: a block saved but not executed has
	// no results yet, and the handshake executes it and the indexer service
	// indexes it then.
	last int64
}

func openIndexStores(conf *cfg.Config) (*indexStores, error) {
	s := &indexStores{}
	open := func(id string) (dbm.DB, error) {
		db, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: id, Config: conf})
		if err != nil {
			return nil, fmt.Errorf("open the %s database (is the node still running?): %w", id, err)
		}
		s.dbs = append(s.dbs, db)
		return db, nil
	}
	blockDB, err := open("blockstore")
	if err != nil {
		return nil, err
	}
	stateDB, err := open("state")
	if err != nil {
		s.close()
		return nil, err
	}
	indexDB, err := open("tx_index")
	if err != nil {
		s.close()
		return nil, err
	}
	s.bs = store.NewBlockStore(blockDB)
	s.ss = sm.NewStore(stateDB, sm.StoreOptions{DiscardABCIResponses: conf.Storage.DiscardABCIResponses})
	st, err := s.ss.Load()
	if err != nil {
		s.close()
		return nil, fmt.Errorf("load state: %w", err)
	}
	s.last = min(s.bs.Height(), st.LastBlockHeight)
	s.txIdx = txidxkv.NewTxIndex(indexDB)
	s.blockIdx = blockidxkv.New(dbm.NewPrefixDB(indexDB, []byte("block_events")))
	return s, nil
}

func (s *indexStores) close() {
	for _, db := range s.dbs {
		_ = db.Close()
	}
}

func (s *indexStores) reindex(o ReindexOptions, logger log.Logger) (*ReindexReport, error) {
	r := &ReindexReport{}
	base := s.bs.Base()
	if s.last == 0 || base == 0 {
		return r, nil
	}
	from, to := o.From, o.To
	if from == 0 {
		from = base
	}
	if to == 0 || to > s.last {
		to = s.last
	}
	if from < base {
		return nil, fmt.Errorf("from height %d is below the block store's base %d", from, base)
	}
	if from > to {
		return nil, fmt.Errorf("no executed height from %d to %d (this home has %d to %d)", from, to, base, s.last)
	}
	r.From, r.To = from, to
	for h := from; h <= to; h++ {
		block := s.bs.LoadBlock(h)
		if block == nil {
			r.Skipped = append(r.Skipped, h)
			continue
		}
		if !o.Force {
			complete, err := indexed(s.txIdx, s.blockIdx, block)
			if err != nil {
				return r, err
			}
			if complete {
				continue
			}
		}
		resp, err := s.ss.LoadFinalizeBlockResponse(h)
		if err != nil {
			logger.Error("tx index: cannot index a height, its FinalizeBlock response is not kept", "height", h, "err", err)
			r.Skipped = append(r.Skipped, h)
			continue
		}
		n, err := indexHeight(s.txIdx, s.blockIdx, block, resp)
		if err != nil {
			return r, err
		}
		logger.Info("tx index: indexed a height", "height", h, "txs", n)
		r.Heights = append(r.Heights, h)
		r.Txs += n
	}
	return r, nil
}

// indexed reports whether the block's entry and every tx of it, at this
// height, are in the index.
func indexed(txIdx txindex.TxIndexer, blockIdx indexer.BlockIndexer, block *cmttypes.Block) (bool, error) {
	ok, err := blockIdx.Has(block.Height)
	if err != nil || !ok {
		return false, err
	}
	for _, tx := range block.Txs {
		res, err := txIdx.Get(tx.Hash())
		if err != nil {
			return false, err
		}
		// A hash found at another height is an earlier copy of the same
		// bytes (refused then); this height's result is still missing.
		if res == nil || res.Height != block.Height {
			return false, nil
		}
	}
	return true, nil
}

// indexHeight writes what CometBFT's indexer service writes for a block
// (cometbft reindex-event does the same): the txs with their results, then
// the block's events.
func indexHeight(txIdx txindex.TxIndexer, blockIdx indexer.BlockIndexer, block *cmttypes.Block, resp *abcitypes.ResponseFinalizeBlock) (int, error) {
	h := block.Height
	if len(resp.TxResults) != len(block.Txs) {
		return 0, fmt.Errorf("height %d: %d txs in the block, %d results", h, len(block.Txs), len(resp.TxResults))
	}
	if len(block.Txs) > 0 {
		batch := txindex.NewBatch(int64(len(block.Txs)))
		for i, res := range resp.TxResults {
			if err := batch.Add(&abcitypes.TxResult{Height: h, Index: uint32(i), Tx: block.Txs[i], Result: *res}); err != nil {
				return 0, fmt.Errorf("height %d: %w", h, err)
			}
		}
		if err := txIdx.AddBatch(batch); err != nil {
			return 0, fmt.Errorf("index txs of height %d: %w", h, err)
		}
	}
	if err := blockIdx.Index(cmttypes.EventDataNewBlockEvents{Height: h, Events: resp.Events, NumTxs: int64(len(block.Txs))}); err != nil {
		return 0, fmt.Errorf("index block %d: %w", h, err)
	}
	return len(block.Txs), nil
}

// checkTxIndexAtStart runs CheckTxIndex and logs what it did. A failure is
// logged, not returned: the index only serves /tx and tx_search, and a
// validator that cannot repair it must still take part in consensus.
func checkTxIndexAtStart(home string, logger log.Logger) {
	r, err := CheckTxIndex(home, logger)
	switch {
	case err != nil:
		logger.Error("tx index: check at start failed; /tx and tx_search may miss txs until `coldtrace reindex` is run", "err", err)
	case r.Disabled:
	case len(r.Heights) > 0 || len(r.Skipped) > 0:
		logger.Info("tx index: repaired at start", "checked_from", r.From, "checked_to", r.To,
			"heights", len(r.Heights), "txs", r.Txs, "unindexable_heights", len(r.Skipped))
	default:
		logger.Debug("tx index: complete", "checked_from", r.From, "checked_to", r.To)
	}
}

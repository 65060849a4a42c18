package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/store"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/fsutil"
	"github.com/coldtrace/coldtrace/state"
)

// Backups: `coldtrace snapshot export` writes the app state at a height as
// a state-sync snapshot folder (app.WriteSnapshotDir's format) plus a copy
// of the validator's priv_validator_state.json; `snapshot import` puts it
// into a home whose data is gone, and bootstraps CometBFT's stores at that
// height from peers, whose light client must agree with the snapshot's app
// hash. The node then fetches the blocks since by block sync.

// PrivValStateFile is the name of the copy of priv_validator_state.json in
// an export.
const PrivValStateFile = "priv_validator_state.json"

// ExportReport says what an export wrote.
type ExportReport struct {
	Out      string `json:"out"`
	Height   uint64 `json:"height"`
	Chunks   uint32 `json:"chunks"`
	AppHash  string `json:"app_hash"`
	FromKept bool   `json:"from_kept_snapshot"` // copied from data/snapshots (the node may run)
	// SignState is the validator's last signed height/round/step copied.
	SignState *SignState `json:"sign_state,omitempty"`
}

// SignState is what priv_validator_state.json records of the last vote or
// proposal the validator signed; CometBFT never signs at an earlier one.
type SignState struct {
	Height int64 `json:"height,string"`
	Round  int32 `json:"round"`
	Step   int8  `json:"step"`
}

func (s SignState) after(o SignState) bool {
	if s.Height != o.Height {
		return s.Height > o.Height
	}
	if s.Round != o.Round {
		return s.Round > o.Round
	}
	return s.Step > o.Step
}

func (s SignState) String() string {
	return fmt.Sprintf("height %d round %d step %d", s.Height, s.Round, s.Step)
}

func readSignState(path string) (*SignState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s SignState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// keptSnapshots lists the heights of the snapshots a home keeps, newest first.
func keptSnapshots(home string) []uint64 {
	entries, _ := os.ReadDir(SnapshotDir(home))
	var hs []uint64
	for _, e := range entries {
		if h, err := strconv.ParseUint(e.Name(), 10, 64); err == nil && e.IsDir() {
			hs = append(hs, h)
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] > hs[j] })
	return hs
}

// ExportSnapshot writes the app state at height (0: the newest kept
// snapshot, else the last saved version) to out. A height the node keeps a
// snapshot of is copied, also while the node runs; any other needs the
// node stopped and the version still stored (app.toml's keep_recent).
func ExportSnapshot(home string, height uint64, out string) (*ExportReport, error) {
	if _, err := os.Stat(out); err == nil {
		return nil, fmt.Errorf("%s exists: give a new folder", out)
	}
	kept := keptSnapshots(home)
	if height == 0 && len(kept) > 0 {
		height = kept[0]
	}
	r := &ExportReport{Out: out}
	var err error
	if height != 0 && contains(kept, height) {
		err = copySnapshot(filepath.Join(SnapshotDir(home), strconv.FormatUint(height, 10)), out)
		r.FromKept = true
	} else {
		err = exportFromTree(home, int64(height), out, kept)
	}
	if err != nil {
		return nil, err
	}
	snap, appHash, err := app.ReadSnapshotDir(out)
	if err != nil {
		return nil, err
	}
	r.Height, r.Chunks, r.AppHash = snap.Height, snap.Chunks, strings.ToUpper(hex.EncodeToString(appHash))
	conf, err := LoadCometConfig(home)
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(conf.PrivValidatorStateFile()); err == nil {
		if err := fsutil.WriteFileAtomic(filepath.Join(out, PrivValStateFile), b, 0o600); err != nil {
			return nil, err
		}
		r.SignState, _ = readSignState(conf.PrivValidatorStateFile())
	}
	return r, nil
}

func contains(hs []uint64, h uint64) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}

func exportFromTree(home string, height int64, out string, kept []uint64) error {
	ac, err := LoadAppConfig(home)
	if err != nil {
		return err
	}
	tree, err := state.Open(StateDir(home), ac.State.options())
	if err != nil {
		return fmt.Errorf("open the state of %s: %w (a running node holds it: stop it, or export a height it keeps a snapshot of: %v)", home, err, kept)
	}
	defer tree.Close()
	if height == 0 {
		height = tree.Version()
	}
	if !tree.VersionExists(height) {
		return fmt.Errorf("height %d is not stored in %s (kept snapshots: %v; app.toml's keep_recent bounds the stored versions)", height, home, kept)
	}
	_, err = app.WriteSnapshotDir(tree, height, out)
	return err
}

// copySnapshot copies a kept snapshot folder into out (whole or not at all).
func copySnapshot(from, out string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".snapshot-copy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
			return err
		}
	}
	return os.Rename(tmp, out)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ImportOptions: where the snapshot is and the peers that serve the
// headers around its height.
type ImportOptions struct {
	In string
	// PeerRPCs serve the light client (one is used twice).
	PeerRPCs []string
	// TrustHeight and TrustHash are the light client's root of trust; zero:
	// the latest block of the first peer, checked in the end against the
	// snapshot's app hash.
	TrustHeight int64
	TrustHash   string
}

// ImportReport says what an import did.
type ImportReport struct {
	Height      uint64     `json:"height"`
	AppHash     string     `json:"app_hash"`
	SignState   *SignState `json:"sign_state,omitempty"`
	SignStateBy string     `json:"sign_state_from"` // "backup", "home" (kept: newer) or "none"
	TrustHeight int64      `json:"trust_height"`
	TrustHash   string     `json:"trust_hash"`
}

// ErrHomeNotEmpty: import restores only into a home without state.
var ErrHomeNotEmpty = errors.New("the home has state")

// ImportSnapshot restores a home from an export: the home has its config
// (keys, genesis) and no state. It never overwrites a priv_validator_state
// newer than the backup's, so the validator cannot sign again at a height
// it signed before.
func ImportSnapshot(ctx context.Context, home string, o ImportOptions) (*ImportReport, error) {
	conf, err := LoadCometConfig(home)
	if err != nil {
		return nil, err
	}
	snap, appHash, err := app.ReadSnapshotDir(o.In)
	if err != nil {
		return nil, err
	}
	if len(o.PeerRPCs) == 0 {
		return nil, errors.New("give --peer-rpc: the peers' headers check the snapshot and start the node's block store at its height")
	}
	if h, err := blockStoreHeight(conf); err != nil {
		return nil, err
	} else if h > 0 {
		return nil, fmt.Errorf("%w: its block store is at height %d. Import restores a home whose data is gone: move %s aside (keep %s) and import again",
			ErrHomeNotEmpty, h, conf.DBDir(), conf.PrivValidatorStateFile())
	}
	ac, err := LoadAppConfig(home)
	if err != nil {
		return nil, err
	}
	tree, err := state.Open(StateDir(home), ac.State.options())
	if err != nil {
		return nil, fmt.Errorf("open the state of %s: %w (is its node running?)", home, err)
	}
	v := tree.Version()
	tree.Close()
	if v != 0 {
		return nil, fmt.Errorf("%w: its app state is at height %d; move %s aside first", ErrHomeNotEmpty, v, StateDir(home))
	}
	r := &ImportReport{Height: snap.Height, AppHash: strings.ToUpper(hex.EncodeToString(appHash))}
	if err := importSignState(conf, o.In, r); err != nil {
		return nil, err
	}
	peers := append([]string(nil), o.PeerRPCs...)
	if len(peers) == 1 {
		peers = append(peers, peers[0])
	}
	// The light client proves the state at H with the headers of H+1 and
	// H+2: a backup taken a moment ago waits for them.
	for _, p := range peers {
		if err := waitPeerHeight(ctx, p, int64(snap.Height)+2); err != nil {
			return nil, err
		}
	}
	if o.TrustHeight == 0 {
		if o.TrustHeight, o.TrustHash, err = latestBlock(ctx, peers[0]); err != nil {
			return nil, err
		}
	}
	r.TrustHeight, r.TrustHash = o.TrustHeight, o.TrustHash
	conf.StateSync.RPCServers = peers
	conf.StateSync.TrustHeight = o.TrustHeight
	conf.StateSync.TrustHash = o.TrustHash
	// CometBFT's offline state sync: the state and commit at the height,
	// verified by the light client, whose app hash must be the snapshot's.
	if err := cmtnode.BootstrapState(ctx, conf, cfg.DefaultDBProvider, snap.Height, appHash); err != nil {
		return nil, fmt.Errorf("bootstrap the block store at height %d from %v: %w", snap.Height, peers, err)
	}
	tree, err = state.Open(StateDir(home), ac.State.options())
	if err != nil {
		return nil, err
	}
	defer tree.Close()
	if _, _, err := app.RestoreSnapshotDir(tree, o.In); err != nil {
		return nil, fmt.Errorf("restore the app state: %w; remove %s except %s before trying again", err, conf.DBDir(), conf.PrivValidatorStateFile())
	}
	return r, nil
}

// importSignState writes the backup's priv_validator_state.json unless the
// home holds a newer one (kept from the dead disk: it knows better).
func importSignState(conf *cfg.Config, in string, r *ImportReport) error {
	path := conf.PrivValidatorStateFile()
	backup, berr := readSignState(filepath.Join(in, PrivValStateFile))
	home, herr := readSignState(path)
	switch {
	case herr == nil && (berr != nil || !backup.after(*home)):
		r.SignState, r.SignStateBy = home, "home"
		return nil
	case berr == nil:
		b, err := os.ReadFile(filepath.Join(in, PrivValStateFile))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := fsutil.WriteFileAtomic(path, b, 0o600); err != nil {
			return err
		}
		r.SignState, r.SignStateBy = backup, "backup"
		return nil
	}
	if !errors.Is(herr, os.ErrNotExist) {
		return herr
	}
	if !errors.Is(berr, os.ErrNotExist) {
		return berr
	}
	r.SignStateBy = "none"
	return nil
}

func blockStoreHeight(conf *cfg.Config) (int64, error) {
	if _, err := os.Stat(filepath.Join(conf.DBDir(), "blockstore.db")); err != nil {
		return 0, nil
	}
	db, err := dbm.NewGoLevelDB("blockstore", conf.DBDir())
	if err != nil {
		return 0, fmt.Errorf("open the block store: %w (is the node running?)", err)
	}
	bs := store.NewBlockStore(db)
	defer bs.Close()
	return bs.Height(), nil
}

// waitPeerHeight waits until a peer's block store holds height h.
func waitPeerHeight(ctx context.Context, rpc string, h int64) error {
	c, err := client.Dial(rpc)
	if err != nil {
		return err
	}
	for {
		st, err := c.RPC().Status(ctx)
		if err != nil {
			return fmt.Errorf("peer %s: %w", rpc, err)
		}
		if st.SyncInfo.LatestBlockHeight >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peer %s is at height %d, and the snapshot's height needs %d: %w", rpc, st.SyncInfo.LatestBlockHeight, h, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func latestBlock(ctx context.Context, rpc string) (int64, string, error) {
	c, err := client.Dial(rpc)
	if err != nil {
		return 0, "", err
	}
	st, err := c.RPC().Status(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("peer %s: %w", rpc, err)
	}
	h := st.SyncInfo.LatestBlockHeight
	b, err := c.RPC().Block(ctx, &h)
	if err != nil {
		return 0, "", fmt.Errorf("peer %s: block %d: %w", rpc, h, err)
	}
	return h, b.BlockID.Hash.String(), nil
}

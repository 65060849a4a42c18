package node

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/coldtrace/coldtrace/client"
)

// JoinOptions describe a home for a node of an existing chain.
type JoinOptions struct {
	Genesis string // the chain's genesis.json
	Peers   string // persistent peers, id@host:port,...
	// RPCServers, two of the chain's nodes, make the node join by state sync,
	// trusting the latest block of the first; none: it replays from genesis.
	RPCServers []string
	Moniker    string
	// P2PListen, RPCListen and MetricsListen are the node's addresses
	// (defaults: CometBFT's ports on loopback; p2p must be reachable by the peers).
	P2PListen, RPCListen, MetricsListen string
	TimeoutCommit                       time.Duration
	Backend                             string
	Passphrase                          client.PassphraseFunc
}

// JoinReport is what the chain's regulators need from a joined home.
type JoinReport struct {
	ChainID      string `json:"chain_id"`
	NodeID       string `json:"node_id"`
	ValidatorKey string `json:"validator_key"` // hex consensus key, for tx validator set
	RegulatorKey string `json:"regulator_key"` // hex key "regulator", for tx registry register-regulator
	StateSync    bool   `json:"state_sync"`
	TrustHeight  int64  `json:"trust_height,omitempty"`
	TrustHash    string `json:"trust_hash,omitempty"`
}

// JoinHome creates a home for a new node of the chain whose genesis it is
// given: its own node and validator keys (no voting power until the root
// regulator gives it some) and the signing key "regulator" of the regulator
// that runs it, to be registered. It refuses an existing home.
func JoinHome(ctx context.Context, home string, o JoinOptions) (*JoinReport, error) {
	gen, err := cmttypes.GenesisDocFromFile(o.Genesis)
	if err != nil {
		return nil, fmt.Errorf("--genesis: %w", err)
	}
	if _, err := os.Stat(filepath.Join(home, "config", "genesis.json")); err == nil {
		return nil, fmt.Errorf("%s is initialised already: give a new home", home)
	}
	if o.Backend == "" {
		o.Backend = client.BackendFile
	}
	if o.Backend == client.BackendFile && o.Passphrase == nil {
		return nil, fmt.Errorf("backend %q encrypts the keys: %w was given", client.BackendFile, client.ErrNoPassphrase)
	}
	r := &JoinReport{ChainID: gen.ChainID}
	if len(o.RPCServers) > 0 {
		servers := append([]string(nil), o.RPCServers...)
		if len(servers) == 1 {
			servers = append(servers, servers[0])
		}
		if r.TrustHeight, r.TrustHash, err = latestBlock(ctx, servers[0]); err != nil {
			return nil, err
		}
		o.RPCServers, r.StateSync = servers, true
	}
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 500 * time.Millisecond
	}
	moniker := o.Moniker
	if moniker == "" {
		moniker = "coldtrace-node"
	}
	conf, pv, err := newHomeFiles(home, moniker, DefaultPorts, o.TimeoutCommit, 0)
	if err != nil {
		return nil, err
	}
	for _, a := range []struct {
		flag, val string
		dst       *string
		scheme    bool
	}{
		{"--p2p-laddr", o.P2PListen, &conf.P2P.ListenAddress, true},
		{"--rpc-laddr", o.RPCListen, &conf.RPC.ListenAddress, true},
		{"--metrics-laddr", o.MetricsListen, &conf.Instrumentation.PrometheusListenAddr, false},
	} {
		if a.val == "" {
			continue
		}
		v := strings.TrimPrefix(a.val, "tcp://")
		if a.scheme {
			v = "tcp://" + v
		}
		*a.dst = v
	}
	genBytes, err := os.ReadFile(o.Genesis)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf.GenesisFile(), genBytes, 0o644); err != nil {
		return nil, err
	}
	conf.P2P.PersistentPeers = o.Peers
	if r.StateSync {
		conf.StateSync.Enable = true
		conf.StateSync.RPCServers = o.RPCServers
		conf.StateSync.TrustHeight = r.TrustHeight
		conf.StateSync.TrustHash = r.TrustHash
	}
	if err := conf.ValidateBasic(); err != nil {
		return nil, err
	}
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), conf)
	kr, err := openNewKeyring(home, o.Backend, o.Passphrase)
	if err != nil {
		return nil, err
	}
	reg, err := kr.Add(RegulatorKeyName)
	if err != nil {
		return nil, err
	}
	return r, describeJoined(r, conf, pv, reg)
}

func describeJoined(r *JoinReport, conf *cfg.Config, pv *privval.FilePV, reg ed25519.PrivateKey) error {
	valPub, err := pv.GetPubKey()
	if err != nil {
		return err
	}
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return err
	}
	r.NodeID = string(nodeKey.ID())
	r.ValidatorKey = hex.EncodeToString(valPub.Bytes())
	r.RegulatorKey = hex.EncodeToString(reg.Public().(ed25519.PublicKey))
	return nil
}

// ValidatorKey is the hex consensus public key of a home.
func ValidatorKey(home string) (string, error) {
	conf, err := LoadCometConfig(home)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(conf.PrivValidatorKeyFile()); err != nil {
		return "", err
	}
	pv := privval.LoadFilePVEmptyState(conf.PrivValidatorKeyFile(), "")
	return hex.EncodeToString(pv.Key.PubKey.Bytes()), nil
}

// RotateValidatorKey gives a stopped home a new consensus key. The old key
// file is kept beside it, renamed, and must never sign again (a node with
// it would double-sign); priv_validator_state.json stays: the new key then
// signs nothing below the heights the old one reached. It returns the old
// and new keys (hex) and where the old file went.
func RotateValidatorKey(home string) (oldKey, newKey, oldFile string, err error) {
	conf, err := LoadCometConfig(home)
	if err != nil {
		return "", "", "", err
	}
	if h, err := blockStoreHeight(conf); err != nil {
		return "", "", "", fmt.Errorf("%w: stop the node first", err)
	} else if h == 0 {
		return "", "", "", errors.New("this home has no blocks: nothing to rotate from")
	}
	if oldKey, err = ValidatorKey(home); err != nil {
		return "", "", "", err
	}
	keyFile := conf.PrivValidatorKeyFile()
	oldFile = fmt.Sprintf("%s.%s.old", keyFile, oldKey[:12])
	if err := os.Rename(keyFile, oldFile); err != nil {
		return "", "", "", err
	}
	state, err := os.ReadFile(conf.PrivValidatorStateFile())
	if err != nil {
		return "", "", "", err
	}
	pv := privval.GenFilePV(keyFile, conf.PrivValidatorStateFile())
	pv.Key.Save()
	// GenFilePV starts a blank sign state; the old one is kept (see above).
	if err := os.WriteFile(conf.PrivValidatorStateFile(), state, 0o600); err != nil {
		return "", "", "", err
	}
	return oldKey, hex.EncodeToString(pv.Key.PubKey.Bytes()), oldFile, nil
}

package node

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// InitOptions describe a new single-validator home.
type InitOptions struct {
	ChainID       string // default "coldtrace-local"
	Division      string // the root regulator's division, default 330000
	RegulatorName string
	Moniker       string
	Ports         Ports
	// TimeoutCommit overrides the half-second pause after each block (tests use less).
	TimeoutCommit time.Duration
	// Backend is the keyring backend the home records (config/client.toml):
	// client.BackendFile encrypts the keys init creates with Passphrase;
	// empty means client.BackendTest (unencrypted), which tests use. The
	// CLI's init asks for BackendFile unless told otherwise.
	Backend    string
	Passphrase client.PassphraseFunc
}

// Keyring names of the keys a new home creates: the root regulator's and customs'.
const (
	RegulatorKeyName = "regulator"
	CustomsKeyName   = "customs"
)

// InitHome creates a runnable single-validator home: CometBFT's config,
// validator and node keys, a genesis naming the root regulator, and the
// regulator's key in the home's keyring. It refuses to touch an existing home.
func InitHome(home string, o InitOptions) (*cmttypes.GenesisDoc, error) {
	if o.ChainID == "" {
		o.ChainID = "coldtrace-local"
	}
	if o.Division == "" {
		o.Division = "330000"
	}
	if _, err := types.ParseDivision(o.Division); err != nil {
		return nil, err
	}
	if o.RegulatorName == "" {
		o.RegulatorName = "Regulator " + o.Division
	}
	if o.Moniker == "" {
		o.Moniker = "coldtrace-" + o.Division
	}
	if o.Backend == "" {
		o.Backend = client.BackendTest
	}
	if err := client.CheckBackend(o.Backend); err != nil {
		return nil, err
	}
	if o.Backend == client.BackendFile && o.Passphrase == nil {
		// Refused before anything is written, not after half a home.
		return nil, fmt.Errorf("backend %q encrypts the keys: %w was given", client.BackendFile, client.ErrNoPassphrase)
	}
	if o.Ports == (Ports{}) {
		o.Ports = DefaultPorts
	}
	if o.Ports.Prometheus == 0 {
		o.Ports.Prometheus = DefaultPorts.Prometheus
	}
	genFile := filepath.Join(home, "config", "genesis.json")
	if _, err := os.Stat(genFile); err == nil {
		return nil, fmt.Errorf("%s already exists: this home is initialised (remove the folder to start over)", genFile)
	}
	conf := defaultCometConfig(home, o.Moniker, o.Ports)
	if o.TimeoutCommit > 0 {
		conf.Consensus.TimeoutCommit = o.TimeoutCommit
	}
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			return nil, err
		}
	}
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), conf)
	if err := writeAppConfig(home, DefaultAppConfig()); err != nil {
		return nil, err
	}
	pv := privval.LoadOrGenFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	if _, err := p2p.LoadOrGenNodeKey(conf.NodeKeyFile()); err != nil {
		return nil, err
	}
	if err := client.SetHomeKeyringBackend(home, o.Backend); err != nil {
		return nil, err
	}
	kr, err := client.OpenKeyring(home, client.KeyringOptions{Backend: o.Backend, Passphrase: o.Passphrase})
	if err != nil {
		return nil, err
	}
	regKey, err := kr.Add(RegulatorKeyName)
	if err != nil {
		return nil, err
	}
	customsKey, err := kr.Add(CustomsKeyName)
	if err != nil {
		return nil, err
	}
	gen, err := NewGenesis(o.ChainID, &types.RootRegulator{
		Division: o.Division, Name: o.RegulatorName, Keys: [][]byte{regKey.Public().(ed25519.PublicKey)},
	}, &types.GenesisCustoms{Name: "Customs", Keys: [][]byte{customsKey.Public().(ed25519.PublicKey)}})
	if err != nil {
		return nil, err
	}
	valPub, err := pv.GetPubKey()
	if err != nil {
		return nil, err
	}
	gen.Validators = []cmttypes.GenesisValidator{{Address: valPub.Address(), PubKey: valPub, Power: 10, Name: o.Moniker}}
	if err := gen.SaveAs(genFile); err != nil {
		return nil, err
	}
	return gen, nil
}

// NewGenesis is a genesis document for coldtrace without validators: the
// consensus parameters sized for scan events and the app_state naming the
// root regulator and the customs authority (nil: none).
func NewGenesis(chainID string, root *types.RootRegulator, customs *types.GenesisCustoms) (*cmttypes.GenesisDoc, error) {
	appState, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&types.GenesisState{
		Params: types.DefaultParams(), RootRegulator: root, Customs: customs, RulesVersion: types.LatestRules,
	})
	if err != nil {
		return nil, err
	}
	params := cmttypes.DefaultConsensusParams()
	params.Block.MaxBytes = 2 << 20 // 2 MiB: thousands of scan txs, documents stay off chain
	params.Block.MaxGas = -1
	gen := &cmttypes.GenesisDoc{
		ChainID:         chainID,
		GenesisTime:     time.Now().UTC().Truncate(time.Millisecond),
		InitialHeight:   1,
		ConsensusParams: params,
		AppState:        appState,
	}
	return gen, gen.ValidateAndComplete()
}

package node

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// A testnet is N validator homes for one machine, in one folder: node0 ..
// node{N-1}, each with its own loopback ports, every other node as a
// persistent peer and one shared genesis. node0's regulator is the root
// regulator of the province (genesis app_state); node1.. belong to city
// regulators, whose keys are in their homes' keyrings and who are registered
// by register.sh once the network runs. Every genesis validator has the same
// power. testnet.json describes the network; AddNode adds full nodes.

// TestnetOptions describe a testnet.
type TestnetOptions struct {
	Validators int    // 1 to MaxTestnetValidators
	Output     string // folder of the homes; must not hold a testnet already
	ChainID    string // default "coldtrace-testnet"
	Division   string // the province of the root regulator, default 330000
	// StartingPort: node i listens on StartingPort+10i (p2p), +10i+1 (RPC)
	// and +10i+2 (Prometheus). Default 26600.
	StartingPort int
	// TimeoutCommit is the pause after each block (default 1s); below one
	// second the other consensus timeouts shrink too, for tests.
	TimeoutCommit    time.Duration
	SnapshotInterval int64 // default 20 heights; negative takes none
	Power            int64 // each validator's power, default 10
	// Backend is the keyring backend of every home: empty means
	// client.BackendTest, as a testnet on one machine is for tests and
	// trials; client.BackendFile encrypts the keys with Passphrase.
	Backend    string
	Passphrase client.PassphraseFunc
}

// MaxTestnetValidators bounds a testnet (one city a validator, ports 10 apart).
const MaxTestnetValidators = 50

// DefaultTestnetPort is the first port of a testnet.
const DefaultTestnetPort = 26600

// Testnet is testnet.json.
type Testnet struct {
	ChainID      string        `json:"chain_id"`
	StartingPort int           `json:"starting_port"`
	Root         string        `json:"root_division"`
	Nodes        []TestnetNode `json:"nodes"`
}

// TestnetNode is one home of a testnet.
type TestnetNode struct {
	Name          string `json:"name"` // node0, node1, ...: the home's folder and moniker
	Validator     bool   `json:"validator"`
	Division      string `json:"division"` // the regulator whose node it is
	RegulatorName string `json:"regulator_name"`
	RegulatorKey  string `json:"regulator_key"` // hex public key of the keyring key "regulator"
	ValidatorKey  string `json:"validator_key"` // hex ed25519 consensus public key
	Power         int64  `json:"power,omitempty"`
	NodeID        string `json:"node_id"`
	P2P           string `json:"p2p"` // host:port
	RPC           string `json:"rpc"` // tcp://host:port
	Metrics       string `json:"metrics"`
}

// cities names Zhejiang's cities; further nodes get numbered cities.
var cities = []struct{ code, name string }{
	{"01", "Hangzhou"}, {"02", "Ningbo"}, {"03", "Wenzhou"}, {"04", "Jiaxing"}, {"05", "Huzhou"},
	{"06", "Shaoxing"}, {"07", "Jinhua"}, {"08", "Quzhou"}, {"09", "Zhoushan"}, {"10", "Taizhou"}, {"11", "Lishui"},
}

// cityOf returns the division and regulator name of node i (i >= 1) under province.
func cityOf(province string, i int) (string, string) {
	if province == "330000" && i <= len(cities) {
		c := cities[i-1]
		return "33" + c.code + "00", c.name + " Market Supervision"
	}
	// Elsewhere, or past Zhejiang's eleven cities: the province's listed
	// divisions in order (registering an unlisted one is refused from rules v2).
	divs := types.ListedDivisionsUnder(province[:2])
	if province == "330000" { // the cities are taken: counties only
		divs = slices.DeleteFunc(divs, func(d string) bool { return types.Division(d).Level() != 3 })
	}
	div := fmt.Sprintf("%s%02d00", province[:2], i)
	if i-1 < len(divs) {
		div = divs[i-1]
	}
	return div, "Division " + div + " Market Supervision"
}

// ManifestPath is where a testnet's description lives.
func ManifestPath(dir string) string { return filepath.Join(dir, "testnet.json") }

// LoadTestnet reads testnet.json.
func LoadTestnet(dir string) (*Testnet, error) {
	b, err := os.ReadFile(ManifestPath(dir))
	if err != nil {
		return nil, fmt.Errorf("%s is not a testnet folder (create one with `coldtrace testnet`): %w", dir, err)
	}
	tn := &Testnet{}
	if err := json.Unmarshal(b, tn); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestPath(dir), err)
	}
	return tn, nil
}

func (tn *Testnet) save(dir string) error {
	b, err := json.MarshalIndent(tn, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(ManifestPath(dir), append(b, '\n'), 0o644)
}

func testnetPorts(start, i int) Ports {
	return Ports{P2P: start + 10*i, RPC: start + 10*i + 1, Prometheus: start + 10*i + 2}
}

// InitTestnet creates the homes, genesis, testnet.json and register.sh. On
// an error it removes the homes it created.
func InitTestnet(o TestnetOptions) (tn *Testnet, err error) {
	if o.Validators < 1 || o.Validators > MaxTestnetValidators {
		return nil, fmt.Errorf("--validators must be between 1 and %d", MaxTestnetValidators)
	}
	if o.Output == "" {
		return nil, errors.New("--output is required")
	}
	if o.ChainID == "" {
		o.ChainID = "coldtrace-testnet"
	}
	if o.Division == "" {
		o.Division = "330000"
	}
	if d, err := types.ParseDivision(o.Division); err != nil {
		return nil, err
	} else if d.Level() != 1 {
		return nil, fmt.Errorf("the root regulator of a testnet is a province (XX0000), not %s", o.Division)
	}
	if o.StartingPort == 0 {
		o.StartingPort = DefaultTestnetPort
	}
	if o.StartingPort < 1024 || o.StartingPort+10*(o.Validators+10) > 65535 {
		return nil, fmt.Errorf("--starting-port %d leaves no room for %d nodes (10 ports each)", o.StartingPort, o.Validators)
	}
	if o.TimeoutCommit <= 0 {
		o.TimeoutCommit = time.Second
	}
	if o.SnapshotInterval == 0 {
		o.SnapshotInterval = 20
	}
	if o.Power <= 0 {
		o.Power = 10
	}
	if o.Backend == "" {
		o.Backend = client.BackendTest
	}
	if err := client.CheckBackend(o.Backend); err != nil {
		return nil, err
	}
	if _, err := os.Stat(ManifestPath(o.Output)); err == nil {
		return nil, fmt.Errorf("%s already holds a testnet (remove the folder to start over)", o.Output)
	}
	for i := 0; i < o.Validators; i++ {
		if _, err := os.Stat(filepath.Join(o.Output, fmt.Sprintf("node%d", i))); err == nil {
			return nil, fmt.Errorf("%s already exists", filepath.Join(o.Output, fmt.Sprintf("node%d", i)))
		}
	}
	tn = &Testnet{ChainID: o.ChainID, StartingPort: o.StartingPort, Root: o.Division}
	defer func() {
		if err != nil {
			for i := 0; i < o.Validators; i++ {
				_ = os.RemoveAll(filepath.Join(o.Output, fmt.Sprintf("node%d", i)))
			}
		}
	}()
	var confs []*cfg.Config
	var genVals []cmttypes.GenesisValidator
	var rootKey, customsKey ed25519.PrivateKey
	for i := 0; i < o.Validators; i++ {
		n := TestnetNode{Name: fmt.Sprintf("node%d", i), Validator: true, Power: o.Power}
		n.Division, n.RegulatorName = o.Division, "Province "+o.Division+" Market Supervision"
		if o.Division == "330000" {
			n.RegulatorName = "Zhejiang Market Supervision"
		}
		if i > 0 {
			n.Division, n.RegulatorName = cityOf(o.Division, i)
		}
		home := filepath.Join(o.Output, n.Name)
		conf, pv, err := newHomeFiles(home, n.Name, testnetPorts(o.StartingPort, i), o.TimeoutCommit, o.SnapshotInterval)
		if err != nil {
			return nil, err
		}
		kr, err := openNewKeyring(home, o.Backend, o.Passphrase)
		if err != nil {
			return nil, err
		}
		reg, err := kr.Add(RegulatorKeyName)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			rootKey = reg
			if customsKey, err = kr.Add(CustomsKeyName); err != nil {
				return nil, err
			}
		}
		valPub, err := describeNode(&n, conf, pv, reg)
		if err != nil {
			return nil, err
		}
		genVals = append(genVals, cmttypes.GenesisValidator{Address: valPub.Address(), PubKey: valPub, Power: o.Power, Name: n.Name})
		tn.Nodes = append(tn.Nodes, n)
		confs = append(confs, conf)
	}
	gen, err := NewGenesis(o.ChainID, &types.RootRegulator{
		Division: o.Division, Name: tn.Nodes[0].RegulatorName, Keys: [][]byte{rootKey.Public().(ed25519.PublicKey)},
	}, &types.GenesisCustoms{Name: "Customs", Keys: [][]byte{customsKey.Public().(ed25519.PublicKey)}})
	if err != nil {
		return nil, err
	}
	gen.Validators = genVals
	for i, conf := range confs {
		if err := gen.SaveAs(conf.GenesisFile()); err != nil {
			return nil, err
		}
		conf.P2P.PersistentPeers = tn.peers(i)
		cfg.WriteConfigFile(filepath.Join(conf.RootDir, "config", "config.toml"), conf)
	}
	if err := tn.save(o.Output); err != nil {
		return nil, err
	}
	if err := tn.writeRegisterScript(o.Output); err != nil {
		return nil, err
	}
	return tn, nil
}

// newHomeFiles creates a home's folders, config, app.toml, validator key
// and node key (config.toml is written by the caller, once peers are known).
func newHomeFiles(home, moniker string, ports Ports, timeoutCommit time.Duration, snapshotInterval int64) (*cfg.Config, *privval.FilePV, error) {
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			return nil, nil, err
		}
	}
	conf := defaultCometConfig(home, moniker, ports)
	conf.Consensus.TimeoutCommit = timeoutCommit
	if timeoutCommit < time.Second {
		// Short blocks for tests: a missing proposer costs one second, not three.
		conf.Consensus.TimeoutPropose = time.Second
		conf.Consensus.TimeoutPrevote = 500 * time.Millisecond
		conf.Consensus.TimeoutPrecommit = 500 * time.Millisecond
	}
	ac := DefaultAppConfig()
	if snapshotInterval != 0 {
		ac.StateSync.SnapshotInterval = max(snapshotInterval, 0) // negative: none
	}
	if err := writeAppConfig(home, ac); err != nil {
		return nil, nil, err
	}
	pv := privval.LoadOrGenFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	if _, err := p2p.LoadOrGenNodeKey(conf.NodeKeyFile()); err != nil {
		return nil, nil, err
	}
	return conf, pv, nil
}

func fillAddresses(n *TestnetNode, conf *cfg.Config) {
	n.P2P = strings.TrimPrefix(conf.P2P.ListenAddress, "tcp://")
	n.RPC = conf.RPC.ListenAddress
	n.Metrics = conf.Instrumentation.PrometheusListenAddr
}

// peers lists every validator but node i as id@host:port.
func (tn *Testnet) peers(i int) string {
	var out []string
	for j, n := range tn.Nodes {
		if j != i && n.Validator {
			out = append(out, n.NodeID+"@"+n.P2P)
		}
	}
	return strings.Join(out, ",")
}

var registerScript = template.Must(template.New("register").Parse(`#!/usr/bin/env bash
# Registers the city regulators of this testnet and makes each the operator
# of its node's validator. Run it once the network runs (make testnet-start
# does). The root regulator signs with its key "regulator" in node0's home.
# Safe to run again: a regulator already registered is skipped.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
CT=${COLDTRACE:-coldtrace}
ROOT=(--home "$DIR/node0")

for i in $(seq 1 120); do
  h=$("$CT" status "${ROOT[@]}" -o json 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p' || true)
  [ -n "$h" ] && [ "$h" -ge 2 ] && break
  [ "$i" = 120 ] && { echo "node0 is not producing blocks; see $DIR/node0.log" >&2; exit 1; }
  sleep 1
done

# Genesis validators are recorded as operated by the root regulator; name node0's.
if ! "$CT" status "${ROOT[@]}" -o json | grep -q '"name":"{{.Root.Name}}"'; then
  "$CT" tx validator set {{.Root.ValidatorKey}} {{.Root.Power}} --operator {{.Root.Division}} --name {{.Root.Name}} --from regulator "${ROOT[@]}"
fi

register() { # division name regulator-key validator-key node power
  if "$CT" query registry regulator "$1" "${ROOT[@]}" >/dev/null 2>&1; then
    echo "$1 ($2) is registered already"
    return
  fi
  "$CT" tx registry register-regulator "$1" "$2" --key "$3" --from regulator "${ROOT[@]}"
  "$CT" tx validator set "$4" "$6" --operator "$1" --name "$5" --from regulator "${ROOT[@]}"
}
{{range .Cities}}
register {{.Division}} "{{.RegulatorName}}" {{.RegulatorKey}} {{.ValidatorKey}} {{.Name}} {{.Power}}{{end}}
echo "city regulators registered; validators:"
"$CT" status "${ROOT[@]}"
`))

func (tn *Testnet) writeRegisterScript(dir string) error {
	var cities []TestnetNode
	for _, n := range tn.Nodes[1:] {
		if n.Validator {
			cities = append(cities, n)
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, "register.sh"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if err := registerScript.Execute(f, struct {
		Root   TestnetNode
		Cities []TestnetNode
	}{tn.Nodes[0], cities}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// AddNodeOptions describe a full node added to a testnet.
type AddNodeOptions struct {
	// StateSync makes the node join from a snapshot: it trusts the latest
	// block of node0 (asked over RPC, so the network must run) and verifies
	// the snapshot with a light client against node0 and node1.
	StateSync bool
	// Backend is the new home's keyring backend; empty: node0's.
	Backend    string
	Passphrase client.PassphraseFunc
}

// AddNode creates the next home of a testnet folder: a full node (no
// voting power) with the testnet's genesis and the validators as persistent
// peers, and a keyring key "regulator" for the regulator that will run it
// (the next city), to be registered and given a validator by the root
// regulator (the command prints how).
func AddNode(ctx context.Context, dir string, o AddNodeOptions) (*TestnetNode, error) {
	tn, err := LoadTestnet(dir)
	if err != nil {
		return nil, err
	}
	i := len(tn.Nodes)
	n := TestnetNode{Name: fmt.Sprintf("node%d", i)}
	n.Division, n.RegulatorName = cityOf(tn.Root, i)
	home := filepath.Join(dir, n.Name)
	if _, err := os.Stat(home); err == nil {
		return nil, fmt.Errorf("%s already exists", home)
	}
	node0, err := LoadCometConfig(filepath.Join(dir, tn.Nodes[0].Name))
	if err != nil {
		return nil, err
	}
	ac, err := LoadAppConfig(filepath.Join(dir, tn.Nodes[0].Name))
	if err != nil {
		return nil, err
	}
	var trust *stateSyncTrust
	if o.StateSync {
		if trust, err = trustLatest(ctx, tn); err != nil {
			return nil, err
		}
	}
	conf, pv, err := newHomeFiles(home, n.Name, testnetPorts(tn.StartingPort, i), node0.Consensus.TimeoutCommit, ac.StateSync.SnapshotInterval)
	if err != nil {
		return nil, err
	}
	gen, err := os.ReadFile(node0.GenesisFile())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf.GenesisFile(), gen, 0o644); err != nil {
		return nil, err
	}
	backend := o.Backend
	if backend == "" {
		if backend, err = client.HomeKeyringBackend(filepath.Join(dir, tn.Nodes[0].Name)); err != nil {
			return nil, err
		}
	}
	kr, err := openNewKeyring(home, backend, o.Passphrase)
	if err != nil {
		return nil, err
	}
	reg, err := kr.Add(RegulatorKeyName)
	if err != nil {
		return nil, err
	}
	if _, err := describeNode(&n, conf, pv, reg); err != nil {
		return nil, err
	}
	conf.P2P.PersistentPeers = tn.peers(-1)
	if trust != nil {
		conf.StateSync.Enable = true
		conf.StateSync.RPCServers = trust.rpcServers
		conf.StateSync.TrustHeight = trust.height
		conf.StateSync.TrustHash = trust.hash
	}
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), conf)
	tn.Nodes = append(tn.Nodes, n)
	if err := tn.save(dir); err != nil {
		return nil, err
	}
	return &n, nil
}

type stateSyncTrust struct {
	rpcServers []string
	height     int64
	hash       string
}

// trustLatest reads the latest block of node0: its height and hash become
// the light client's root of trust; node0 and node1 (or node0 twice) serve it.
func trustLatest(ctx context.Context, tn *Testnet) (*stateSyncTrust, error) {
	var servers []string
	for _, n := range tn.Nodes {
		if n.Validator && len(servers) < 2 {
			servers = append(servers, n.RPC)
		}
	}
	if len(servers) == 1 {
		servers = append(servers, servers[0])
	}
	c, err := client.Dial(servers[0])
	if err != nil {
		return nil, err
	}
	st, err := c.RPC().Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("state sync needs the network running (node0 at %s): %w", servers[0], err)
	}
	h := st.SyncInfo.LatestBlockHeight
	if h < 1 {
		return nil, errors.New("node0 has no block yet")
	}
	b, err := c.RPC().Block(ctx, &h)
	if err != nil {
		return nil, err
	}
	return &stateSyncTrust{rpcServers: servers, height: h, hash: b.BlockID.Hash.String()}, nil
}

// openNewKeyring records a new home's keyring backend and opens its keyring.
func openNewKeyring(home, backend string, pass client.PassphraseFunc) (*client.Keyring, error) {
	if err := client.SetHomeKeyringBackend(home, backend); err != nil {
		return nil, err
	}
	return client.OpenKeyring(home, client.KeyringOptions{Backend: backend, Passphrase: pass})
}

// describeNode fills what testnet.json says of a node: its regulator's key,
// consensus key, node id and addresses; it returns the consensus key.
func describeNode(n *TestnetNode, conf *cfg.Config, pv *privval.FilePV, reg ed25519.PrivateKey) (crypto.PubKey, error) {
	valPub, err := pv.GetPubKey()
	if err != nil {
		return nil, err
	}
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return nil, err
	}
	n.RegulatorKey = hex.EncodeToString(reg.Public().(ed25519.PublicKey))
	n.ValidatorKey = hex.EncodeToString(valPub.Bytes())
	n.NodeID = string(nodeKey.ID())
	fillAddresses(n, conf)
	return valPub, nil
}

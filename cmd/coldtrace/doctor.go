package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

// A finding is one line of the doctor's report.
type finding struct {
	Check  string `json:"check"`
	Status string `json:"status"` // ok, warn, fail
	Detail string `json:"detail"`
}

const (
	statusOK   = "ok"
	statusWarn = "warn"
	statusFail = "fail"
)

type doctorOptions struct {
	Home     string
	MinFree  uint64        // bytes the home's file system must have free
	PeerRPCs []string      // RPC addresses whose clock is compared with ours
	MaxSkew  time.Duration // clock difference allowed
	// Running: the node runs, so its ports are taken and its state locked;
	// those checks are left out.
	Running bool
}

// doctor checks a home before its node starts. It reads files only, and
// the network only for the peers it is given.
func doctor(o doctorOptions) []finding {
	var out []finding
	add := func(check, status, format string, a ...any) {
		out = append(out, finding{check, status, fmt.Sprintf(format, a...)})
	}
	conf, err := node.LoadCometConfig(o.Home)
	if err != nil {
		add("config", statusFail, "%v", err)
		return out // nothing else can be found without it
	}
	if _, err := node.LoadAppConfig(o.Home); err != nil {
		add("config", statusFail, "%v: fix the line named, or compare with a new home's app.toml", err)
	} else if _, err := node.NewLogger(os.Stdout, conf.LogFormat); err != nil {
		add("config", statusFail, "config.toml: %v", err)
	} else {
		add("config", statusOK, "config.toml and app.toml parse")
	}
	out = append(out, doctorGenesis(conf.GenesisFile(), conf.DBDir(), o.Running)...)
	out = append(out, doctorKeys(o.Home, []string{conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile(), conf.NodeKeyFile()})...)
	out = append(out, doctorDisk(o.Home, o.MinFree))
	for _, p := range o.PeerRPCs {
		out = append(out, doctorClock(p, o.MaxSkew))
	}
	if !o.Running {
		addrs := []string{conf.RPC.ListenAddress, conf.P2P.ListenAddress}
		if conf.Instrumentation.IsPrometheusEnabled() {
			addrs = append(addrs, conf.Instrumentation.PrometheusListenAddr)
		}
		for _, a := range addrs {
			out = append(out, doctorPort(a))
		}
	}
	return out
}

// doctorGenesis checks genesis.json against the genesis CometBFT recorded in
// data/state.db at the first start, which it uses from then on: a replaced
// genesis.json would be ignored by the node but not by tools reading it.
func doctorGenesis(genFile, dbDir string, running bool) []finding {
	doc, err := cmttypes.GenesisDocFromFile(genFile)
	if err != nil {
		return []finding{{"genesis", statusFail, fmt.Sprintf("%v: copy the chain's genesis.json from another validator or the root regulator", err)}}
	}
	if running {
		return []finding{{"genesis", statusOK, fmt.Sprintf("chain %s, genesis %X (the node runs: not compared with its state)", doc.ChainID, genesisHash(doc))}}
	}
	if _, err := os.Stat(filepath.Join(dbDir, "state.db")); err != nil {
		return []finding{{"genesis", statusOK, fmt.Sprintf("chain %s, genesis %X (no state yet: the first start records it)", doc.ChainID, genesisHash(doc))}}
	}
	db, err := dbm.NewGoLevelDBWithOpts("state", dbDir, &opt.Options{ReadOnly: true, ErrorIfMissing: true})
	if err != nil {
		return []finding{{"genesis", statusFail, fmt.Sprintf("cannot open %s: %v (is the node running? stop it first)", filepath.Join(dbDir, "state.db"), err)}}
	}
	defer db.Close()
	b, err := db.Get([]byte("genesisDoc"))
	if err != nil || len(b) == 0 {
		return []finding{{"genesis", statusOK, fmt.Sprintf("chain %s, genesis %X (the state records none)", doc.ChainID, genesisHash(doc))}}
	}
	var rec cmttypes.GenesisDoc
	if err := cmtjson.Unmarshal(b, &rec); err != nil {
		return []finding{{"genesis", statusFail, fmt.Sprintf("the genesis recorded in state.db does not decode: %v", err)}}
	}
	if !bytes.Equal(genesisHash(&rec), genesisHash(doc)) {
		return []finding{{"genesis", statusFail, fmt.Sprintf("%s (chain %s, %X) is not the genesis this home's state was started with (chain %s, %X): put the chain's genesis.json back, or this home belongs to another chain",
			genFile, doc.ChainID, genesisHash(doc), rec.ChainID, genesisHash(&rec))}}
	}
	return []finding{{"genesis", statusOK, fmt.Sprintf("chain %s, genesis %X, as recorded in the state", doc.ChainID, genesisHash(doc))}}
}

func genesisHash(d *cmttypes.GenesisDoc) []byte {
	b, _ := cmtjson.Marshal(d)
	h := sha256.Sum256(b)
	return h[:]
}

// doctorKeys: every secret of the home is readable by its owner only, and
// the keyring encrypts its keys.
func doctorKeys(home string, files []string) []finding {
	var out []finding
	bad := 0
	check := func(path string, want fs.FileMode) {
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			out = append(out, finding{"keys", statusFail, err.Error()})
			bad++
			return
		}
		if fi.Mode().Perm()&0o077 != 0 {
			out = append(out, finding{"keys", statusFail, fmt.Sprintf("%s is readable by others (mode %04o): chmod %o %s", path, fi.Mode().Perm(), want, path)})
			bad++
		}
	}
	for _, f := range files {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) && !strings.HasSuffix(f, "priv_validator_state.json") {
			out = append(out, finding{"keys", statusFail, fmt.Sprintf("%s is missing: restore it from the backup (docs/operations/restore-from-backup.md)", f)})
			bad++
			continue
		}
		check(f, 0o600)
	}
	kdir := filepath.Join(home, "keyring")
	check(kdir, 0o700)
	entries, _ := os.ReadDir(kdir)
	for _, e := range entries {
		check(filepath.Join(kdir, e.Name()), 0o600)
	}
	if bad == 0 {
		out = append(out, finding{"keys", statusOK, "key files are readable by their owner only (0600)"})
	}
	backend, err := client.HomeKeyringBackend(home)
	switch {
	case err != nil:
		out = append(out, finding{"keys", statusFail, fmt.Sprintf("config/client.toml: %v", err)})
	case backend == client.BackendTest && len(entries) > 0:
		out = append(out, finding{"keys", statusWarn, "the keyring uses backend test: its keys are not encrypted. Fine for a demo; for real keys make a home with plain 'coldtrace init' (backend file) and register its keys"})
	default:
		out = append(out, finding{"keys", statusOK, fmt.Sprintf("keyring backend %s", backend)})
	}
	return out
}

func doctorDisk(home string, minFree uint64) finding {
	var st syscall.Statfs_t
	if err := syscall.Statfs(home, &st); err != nil {
		return finding{"disk", statusFail, err.Error()}
	}
	free := st.Bavail * uint64(st.Bsize)
	total := st.Blocks * uint64(st.Bsize)
	if free < minFree {
		return finding{"disk", statusFail, fmt.Sprintf("%s free on the file system of %s, less than %s: free space or move the home to a larger disk (the chain only grows)", gib(free), home, gib(minFree))}
	}
	if total > 0 && free*10 < total {
		return finding{"disk", statusWarn, fmt.Sprintf("%s free of %s (under 10%%): plan more space", gib(free), gib(total))}
	}
	return finding{"disk", statusOK, fmt.Sprintf("%s free of %s", gib(free), gib(total))}
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// doctorClock compares this machine's clock with a peer's, by the Date
// header of its RPC's /status. The header has whole seconds, so the peer's
// time is known to a second: only a difference beyond that counts.
func doctorClock(peer string, maxSkew time.Duration) finding {
	url := strings.Replace(peer, "tcp://", "http://", 1)
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	c := &http.Client{Timeout: 5 * time.Second}
	sent := time.Now()
	res, err := c.Get(strings.TrimSuffix(url, "/") + "/status")
	got := time.Now()
	if err != nil {
		return finding{"clock", statusFail, fmt.Sprintf("peer %s: %v (check the address and that its RPC is reachable from here)", peer, err)}
	}
	res.Body.Close()
	date, err := http.ParseTime(res.Header.Get("Date"))
	if err != nil {
		return finding{"clock", statusFail, fmt.Sprintf("peer %s sent no readable Date header", peer)}
	}
	// The peer's clock read something in [date, date+1s) while we read [sent, got].
	lo := date.Sub(got)                   // smallest possible peer-minus-us
	hi := date.Add(time.Second).Sub(sent) // largest
	skew := time.Duration(0)
	switch {
	case lo > 0:
		skew = lo
	case hi < 0:
		skew = hi
	}
	if skew > maxSkew || -skew > maxSkew {
		return finding{"clock", statusFail, fmt.Sprintf("this clock differs from %s's by at least %s (allowed %s): enable NTP (timedatectl set-ntp true) on both and check 'timedatectl status'", peer, skew.Abs().Round(time.Millisecond), maxSkew)}
	}
	return finding{"clock", statusOK, fmt.Sprintf("within %s of %s", maxSkew, peer)}
}

func doctorPort(addr string) finding {
	hostPort := addr
	if i := strings.Index(addr, "://"); i >= 0 {
		hostPort = addr[i+3:]
	}
	l, err := net.Listen("tcp", hostPort)
	if err != nil {
		_, port, _ := net.SplitHostPort(hostPort)
		return finding{"ports", statusFail, fmt.Sprintf("%s is taken: %v. Is this node already running? 'ss -ltnp sport = :%s' names the process; or change the address in config.toml", hostPort, err, port)}
	}
	l.Close()
	return finding{"ports", statusOK, hostPort + " is free"}
}

func newDoctorCmd(g *globals) *cobra.Command {
	var o doctorOptions
	var minFreeGiB float64
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a home before its node starts, and say what to fix",
		Long: `doctor checks --home before 'coldtrace start' (or, with --running, beside it): config.toml and
app.toml parse; genesis.json is the genesis the home's state was started with; key files
are readable by their owner only (0600) and the keyring encrypts its keys; the disk has
--min-free-gib free; the RPC, p2p and metrics ports are free; and, for each --peer-rpc
given, that this clock is within --max-skew of the peer's (the only network access).
Each line is ok, warn or fail with what to do; it exits 1 when any check fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			o.Home = g.home
			o.MinFree = uint64(minFreeGiB * (1 << 30))
			fs := doctor(o)
			fails := 0
			for _, f := range fs {
				if f.Status == statusFail {
					fails++
				}
			}
			if g.output == "json" {
				if err := printJSON(cmd, fs); err != nil {
					return err
				}
			} else {
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				for _, f := range fs {
					fmt.Fprintf(w, "%s\t%s\t%s\n", f.Status, f.Check, f.Detail)
				}
				w.Flush()
			}
			if fails > 0 {
				return fmt.Errorf("doctor: %d check(s) failed in %s", fails, g.home)
			}
			return nil
		},
	}
	cmd.Flags().Float64Var(&minFreeGiB, "min-free-gib", 10, "free space the home's file system must have, in GiB")
	cmd.Flags().StringSliceVar(&o.PeerRPCs, "peer-rpc", nil, "RPC address of a peer to compare clocks with (repeatable; tcp://host:26657)")
	cmd.Flags().DurationVar(&o.MaxSkew, "max-skew", 2*time.Second, "clock difference allowed with a --peer-rpc")
	cmd.Flags().BoolVar(&o.Running, "running", false, "the node runs: leave out the checks of its ports and of its state's genesis")
	return cmd
}

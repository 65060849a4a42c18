package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	cmttypes "github.com/cometbft/cometbft/types"
)

// Trust is the root a client starts from: the genesis validator set (a
// regulator's own genesis.json), or a height and header hash the user
// obtained from a source they trust.
type Trust struct {
	Genesis *cmttypes.GenesisDoc
	Height  int64
	Hash    []byte
}

// LoadGenesisTrust reads a genesis.json as a trust root.
func LoadGenesisTrust(path string) (Trust, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Trust{}, fmt.Errorf("trust root: %w", err)
	}
	g, err := parseGenesis(data)
	if err != nil {
		return Trust{}, fmt.Errorf("trust root %s: %w", path, err)
	}
	return Trust{Genesis: g}, nil
}

// trustingPeriod is how long a verified header may serve as a base. The
// validators are regulators with no bond to lose, so it is not tied to an
// unbonding period; verification follows validator set changes block by
// block where the 1/3 overlap rule does not hold.
const trustingPeriod = 100 * 365 * 24 * time.Hour

// Headers verifies block headers with the CometBFT light-client rules
// (adjacent: 2/3 of the announced next validators; skipping: 1/3 of the
// trusted validators), from a trust root, following validator set changes.
// Headers come from the queried node first; a height it lacks (a node that
// joined by state sync or prunes old blocks) is asked of the archives given
// to NewHeaders and then of the node's peers. Every header is verified by
// signatures, so where it came from does not matter.
type Headers struct {
	chainID string
	trust   Trust
	sources []*source
	// discover lists more sources (the node's peers) the first time a
	// height is missing everywhere else.
	discover   func(ctx context.Context) []*source
	discovered bool
	root       *cmttypes.LightBlock
	latest     *cmttypes.LightBlock
}

// source is one place light blocks come from.
type source struct {
	name  string
	fetch func(ctx context.Context, height int64) (*cmttypes.LightBlock, error)
	// span tells which heights the source's block store holds (nil: unknown).
	span func(ctx context.Context) (earliest, latest int64, err error)
}

// ErrHeaderUnavailable is returned (wrapped, with what each source said and
// what to pass instead) when no source has a header the verification needs.
var ErrHeaderUnavailable = errors.New("header unavailable")

// NewHeaders verifies headers fetched from the node of c, falling back to
// archives (RPC addresses of nodes that keep every block) and then to the
// node's peers for heights the node lacks.
func (c *Client) NewHeaders(ctx context.Context, trust Trust, archives ...string) (*Headers, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	h := &Headers{chainID: chainID, trust: trust, sources: []*source{c.lightSource(chainID, c.remote)}}
	for _, a := range archives {
		ac, err := dial(a, sideTimeout)
		if err != nil {
			return nil, fmt.Errorf("archive %s: %w", a, err)
		}
		h.sources = append(h.sources, ac.lightSource(chainID, a))
	}
	h.discover = func(ctx context.Context) []*source { return c.peerSources(ctx, chainID) }
	return h, nil
}

// lightSource serves light blocks from the node of c.
func (c *Client) lightSource(chainID, name string) *source {
	p := lighthttp.NewWithClient(chainID, c.rpc)
	return &source{name: name, fetch: p.LightBlock, span: func(ctx context.Context) (int64, int64, error) {
		st, err := c.rpc.Status(ctx)
		if err != nil {
			return 0, 0, err
		}
		return st.SyncInfo.EarliestBlockHeight, st.SyncInfo.LatestBlockHeight, nil
	}}
}

// peerSources lists the RPC addresses the node's peers announce. A peer
// that listens on every interface announces 0.0.0.0: its address as the
// node sees it stands in.
func (c *Client) peerSources(ctx context.Context, chainID string) []*source {
	ni, err := c.rpc.NetInfo(ctx)
	if err != nil || ni == nil {
		return nil
	}
	var out []*source
	seen := map[string]bool{}
	for _, p := range ni.Peers {
		addr := peerRPC(p.NodeInfo.Other.RPCAddress, p.RemoteIP)
		if addr == "" || seen[addr] || len(out) >= maxPeerSources {
			continue
		}
		seen[addr] = true
		pc, err := dial(addr, sideTimeout)
		if err != nil {
			continue
		}
		out = append(out, pc.lightSource(chainID, "peer "+addr))
	}
	return out
}

// sideTimeout bounds each request to an archive or a peer, in seconds.
const sideTimeout = 10

// maxPeerSources bounds how many peers one missing header is asked of.
const maxPeerSources = 8

// peerRPC turns a peer's announced RPC listen address into one to dial,
// or "" when it cannot be used.
func peerRPC(announced, remoteIP string) string {
	u, err := url.Parse(announced)
	if err != nil || u.Host == "" || (u.Scheme != "tcp" && u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || port == "" {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if net.ParseIP(remoteIP) == nil {
			return ""
		}
		host = remoteIP
	}
	scheme := u.Scheme
	if scheme == "tcp" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// fetch returns the light block at height from the first source that has
// it, checked for shape and height. When none has it, the error says what
// each source said and what the user can pass instead.
func (h *Headers) fetch(ctx context.Context, height int64) (*cmttypes.LightBlock, error) {
	var misses []string
	var earliest int64 // the lowest height a source said it holds
	try := func(srcs []*source) *cmttypes.LightBlock {
		for _, s := range srcs {
			lb, err := s.fetch(ctx, height)
			if err == nil {
				err = checkFetched(h.chainID, height, lb)
			}
			if err == nil {
				return lb
			}
			why, e := h.explainMiss(ctx, s, height, err)
			misses = append(misses, s.name+": "+why)
			if e > 0 && (earliest == 0 || e < earliest) {
				earliest = e
			}
		}
		return nil
	}
	if lb := try(h.sources); lb != nil {
		return lb, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !h.discovered && h.discover != nil {
		h.discovered = true
		peers := h.discover(ctx)
		h.sources = append(h.sources, peers...)
		if lb := try(peers); lb != nil {
			return lb, nil
		}
	}
	why := "to verify the answer"
	if h.root == nil {
		why = "as the trust root"
		if h.trust.Genesis != nil {
			why = "to verify from the genesis trust root"
		}
	}
	held := "a header the node holds"
	if earliest > 0 {
		held = fmt.Sprintf("a header at height %d or later", earliest)
	}
	return nil, fmt.Errorf("%w: header %d is needed %s and no source has it:\n  %s\n"+
		"Pass --archive URL (the RPC address of a node that keeps every block), or --trust-height H and "+
		"--trust-hash HASH of %s, obtained from a source you trust",
		ErrHeaderUnavailable, height, why, strings.Join(misses, "\n  "), held)
}

// explainMiss says in words why a source did not give a height, and the
// lowest height it holds when it lacks early ones.
func (h *Headers) explainMiss(ctx context.Context, s *source, height int64, err error) (string, int64) {
	if s.span != nil && (errors.Is(err, provider.ErrLightBlockNotFound) || errors.Is(err, provider.ErrHeightTooHigh)) {
		if earliest, latest, serr := s.span(ctx); serr == nil {
			switch {
			case height < earliest:
				return fmt.Sprintf("lacks heights 1 to %d: its block store holds %d to %d only (it joined by state sync or prunes old blocks)", earliest-1, earliest, latest), earliest
			case height > latest:
				return fmt.Sprintf("has no height %d yet: its newest block is %d", height, latest), 0
			}
		}
	}
	return err.Error(), 0
}

// checkFetched refuses a light block that is nil, of another height or
// inconsistent in itself, whatever the source.
func checkFetched(chainID string, height int64, lb *cmttypes.LightBlock) error {
	if lb == nil || lb.SignedHeader == nil || lb.Header == nil || lb.Commit == nil || lb.ValidatorSet == nil {
		return verifyErr("header %d is incomplete", height)
	}
	if lb.Height != height {
		return verifyErr("asked for header %d, got %d", height, lb.Height)
	}
	if err := lb.ValidateBasic(chainID); err != nil {
		return verifyErr("header %d: %v", height, err)
	}
	return nil
}

// Root returns the verified light block the trust root names.
func (h *Headers) Root(ctx context.Context) (*cmttypes.LightBlock, error) {
	if h.root != nil {
		return h.root, nil
	}
	height, err := rootHeight(h.chainID, h.trust)
	if err != nil {
		return nil, err
	}
	lb, err := h.fetch(ctx, height)
	if err != nil {
		return nil, err
	}
	if err := checkRoot(h.chainID, h.trust, lb); err != nil {
		return nil, err
	}
	h.root, h.latest = lb, lb
	return lb, nil
}

// rootHeight is the height of the header the trust root names.
func rootHeight(chainID string, trust Trust) (int64, error) {
	if trust.Genesis == nil {
		if trust.Height <= 0 || len(trust.Hash) == 0 {
			return 0, errors.New("no trust root: give a genesis file or a trusted height and hash")
		}
		return trust.Height, nil
	}
	if trust.Genesis.ChainID != chainID {
		return 0, verifyErr("the genesis names chain %q, the node serves %q", trust.Genesis.ChainID, chainID)
	}
	if trust.Genesis.InitialHeight < 0 {
		return 0, verifyErr("the genesis has initial height %d", trust.Genesis.InitialHeight)
	}
	if trust.Genesis.InitialHeight == 0 {
		return 1, nil
	}
	return trust.Genesis.InitialHeight, nil
}

// checkRoot checks that lb is the block the trust root names.
func checkRoot(chainID string, trust Trust, lb *cmttypes.LightBlock) error {
	want, err := rootHeight(chainID, trust)
	if err != nil {
		return err
	}
	if err := checkFetched(chainID, want, lb); err != nil {
		return verifyErr("root header: %v", err)
	}
	if trust.Genesis != nil {
		gs, err := genesisValidators(trust.Genesis)
		if err != nil {
			return verifyErr("the genesis validators: %v", err)
		}
		if !bytes.Equal(gs.Hash(), lb.ValidatorsHash) {
			return verifyErr("header %d names validators %X, the genesis has %X", lb.Height, lb.ValidatorsHash, gs.Hash())
		}
		if err := gs.VerifyCommitLight(chainID, lb.Commit.BlockID, lb.Height, lb.Commit); err != nil {
			return verifyErr("header %d is not signed by the genesis validators: %v", lb.Height, err)
		}
		return nil
	}
	if !bytes.Equal(lb.Hash(), trust.Hash) {
		return verifyErr("header %d has hash %X, the trusted hash is %X", lb.Height, lb.Hash(), trust.Hash)
	}
	return nil
}

// step verifies next from trusted with the light-client rules.
func step(trusted, next *cmttypes.LightBlock) error {
	now := next.Time.Add(time.Second) // no clock: an archive must verify years later
	return light.Verify(trusted.SignedHeader, trusted.ValidatorSet, next.SignedHeader, next.ValidatorSet,
		trustingPeriod, now, time.Minute, light.DefaultTrustLevel)
}

// VerifyTo returns the verified light block at height target and the blocks
// the verification went through (the root first), bisecting where the
// validator set changed too much to skip.
func (h *Headers) VerifyTo(ctx context.Context, target int64) (*cmttypes.LightBlock, []*cmttypes.LightBlock, error) {
	root, err := h.Root(ctx)
	if err != nil {
		return nil, nil, err
	}
	if target < root.Height {
		return nil, nil, verifyErr("header %d is below the trust root %d", target, root.Height)
	}
	trusted := root
	if h.latest != nil && h.latest.Height <= target {
		trusted = h.latest
	}
	trace := []*cmttypes.LightBlock{root}
	if trusted != root {
		trace = append(trace, trusted)
	}
	for trusted.Height < target {
		try := target
		for {
			lb, err := h.fetch(ctx, try)
			if err != nil {
				return nil, nil, err
			}
			err = step(trusted, lb)
			if err == nil {
				trace, trusted = append(trace, lb), lb
				break
			}
			var cant light.ErrNewValSetCantBeTrusted
			if errors.As(err, &cant) && try > trusted.Height+1 {
				try = trusted.Height + (try-trusted.Height)/2
				continue
			}
			return nil, nil, verifyErr("header %d: %v", try, err)
		}
	}
	if trusted.Height != target {
		lb, err := h.fetch(ctx, target)
		if err != nil {
			return nil, nil, err
		}
		if !bytes.Equal(lb.Hash(), trusted.Hash()) {
			return nil, nil, verifyErr("header %d changed", target)
		}
	}
	h.latest = trusted
	return trusted, trace, nil
}

// replayTrace checks offline that each block of a trace follows from the
// previous one, the first being the trust root.
func replayTrace(chainID string, trust Trust, trace []*cmttypes.LightBlock) error {
	if len(trace) == 0 {
		return verifyErr("no headers")
	}
	if err := checkRoot(chainID, trust, trace[0]); err != nil {
		return err
	}
	for i := 1; i < len(trace); i++ {
		prev, lb := trace[i-1], trace[i]
		if lb == nil || lb.SignedHeader == nil || lb.Header == nil {
			return verifyErr("header %d of the trace is incomplete", i)
		}
		if lb.Height <= prev.Height {
			return verifyErr("headers out of order at %d", lb.Height)
		}
		if err := checkFetched(chainID, lb.Height, lb); err != nil {
			return err
		}
		if err := step(prev, lb); err != nil {
			return verifyErr("header %d does not follow from header %d: %v", lb.Height, prev.Height, err)
		}
	}
	return nil
}

// genesisValidators builds the genesis validator set, refusing what
// CometBFT's constructor would panic on (duplicates, missing keys, bad or
// overflowing power).
func genesisValidators(g *cmttypes.GenesisDoc) (*cmttypes.ValidatorSet, error) {
	if g == nil {
		return nil, errors.New("no genesis")
	}
	vals := make([]*cmttypes.Validator, len(g.Validators))
	for i, v := range g.Validators {
		if v.PubKey == nil {
			return nil, fmt.Errorf("validator %d has no public key", i)
		}
		if v.Power <= 0 {
			return nil, fmt.Errorf("validator %d has power %d", i, v.Power)
		}
		vals[i] = cmttypes.NewValidator(v.PubKey, v.Power)
	}
	trial := make([]*cmttypes.Validator, len(vals))
	for i, v := range vals {
		trial[i] = v.Copy()
	}
	if err := (&cmttypes.ValidatorSet{}).UpdateWithChangeSet(trial); err != nil {
		return nil, err
	}
	return cmttypes.NewValidatorSet(vals), nil
}

package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	g, err := cmttypes.GenesisDocFromFile(path)
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
type Headers struct {
	chainID string
	trust   Trust
	fetch   func(ctx context.Context, height int64) (*cmttypes.LightBlock, error)
	root    *cmttypes.LightBlock
	latest  *cmttypes.LightBlock
}

// NewHeaders verifies headers fetched from the node of c.
func (c *Client) NewHeaders(ctx context.Context, trust Trust) (*Headers, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	var p provider.Provider = lighthttp.NewWithClient(chainID, c.rpc)
	return &Headers{chainID: chainID, trust: trust, fetch: p.LightBlock}, nil
}

// Root returns the verified light block the trust root names.
func (h *Headers) Root(ctx context.Context) (*cmttypes.LightBlock, error) {
	if h.root != nil {
		return h.root, nil
	}
	lb, err := rootBlock(ctx, h.chainID, h.trust, h.fetch)
	if err != nil {
		return nil, err
	}
	h.root, h.latest = lb, lb
	return lb, nil
}

func rootBlock(ctx context.Context, chainID string, trust Trust, fetch func(context.Context, int64) (*cmttypes.LightBlock, error)) (*cmttypes.LightBlock, error) {
	height := trust.Height
	if trust.Genesis != nil {
		if trust.Genesis.ChainID != chainID {
			return nil, verifyErr("the genesis names chain %q, the node serves %q", trust.Genesis.ChainID, chainID)
		}
		height = trust.Genesis.InitialHeight
		if height == 0 {
			height = 1
		}
	}
	if height <= 0 {
		return nil, errors.New("no trust root: give a genesis file or a trusted height and hash")
	}
	lb, err := fetch(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("header %d: %w", height, err)
	}
	return lb, checkRoot(chainID, trust, lb)
}

// checkRoot checks that lb is the block the trust root names.
func checkRoot(chainID string, trust Trust, lb *cmttypes.LightBlock) error {
	if err := lb.ValidateBasic(chainID); err != nil {
		return verifyErr("root header %d: %v", lb.Height, err)
	}
	if trust.Genesis != nil {
		gs := genesisValidators(trust.Genesis)
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
				return nil, nil, fmt.Errorf("header %d: %w", try, err)
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
		if err := trace[i].ValidateBasic(chainID); err != nil {
			return verifyErr("header %d: %v", trace[i].Height, err)
		}
		if trace[i].Height <= trace[i-1].Height {
			return verifyErr("headers out of order at %d", trace[i].Height)
		}
		if err := step(trace[i-1], trace[i]); err != nil {
			return verifyErr("header %d does not follow from header %d: %v", trace[i].Height, trace[i-1].Height, err)
		}
	}
	return nil
}

func genesisValidators(g *cmttypes.GenesisDoc) *cmttypes.ValidatorSet {
	vals := make([]*cmttypes.Validator, len(g.Validators))
	for i, v := range g.Validators {
		vals[i] = cmttypes.NewValidator(v.PubKey, v.Power)
	}
	return cmttypes.NewValidatorSet(vals)
}

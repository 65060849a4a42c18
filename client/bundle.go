package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
)

// BundleFormat names the proof-bundle format this package reads and writes.
const BundleFormat = "coldtrace-proof-bundle/1"

// MaxBundleBytes bounds what ParseBundle reads.
const MaxBundleBytes = 64 << 20

// Bundle is a self-contained, offline-verifiable answer: the proven query
// response of height H, the headers from a trust root to H+1 with their
// commits and validator sets, and the trust root itself. Byte fields are
// base64 (protobuf inside), so any edit changes what is verified.
type Bundle struct {
	Format      string   `json:"format"`
	ChainID     string   `json:"chain_id"`
	Path        string   `json:"path"`
	Height      int64    `json:"height"`
	Response    []byte   `json:"response"`
	Genesis     []byte   `json:"genesis,omitempty"`
	TrustHeight int64    `json:"trust_height,omitempty"`
	TrustHash   []byte   `json:"trust_hash,omitempty"`
	Headers     [][]byte `json:"headers"`
}

// NewBundle packs a verified answer for offline checking.
func NewBundle(v *Verified) (*Bundle, error) {
	if v == nil || v.Response == nil || v.Header == nil || v.Header.SignedHeader == nil || v.Header.Header == nil {
		return nil, errors.New("no verified answer to pack")
	}
	resp, err := v.Response.Marshal()
	if err != nil {
		return nil, err
	}
	b := &Bundle{Format: BundleFormat, ChainID: v.Header.ChainID, Path: v.Path, Height: v.Height, Response: resp,
		TrustHeight: v.Trust.Height, TrustHash: v.Trust.Hash}
	if v.Trust.Genesis != nil {
		if b.Genesis, err = cmtjson.Marshal(v.Trust.Genesis); err != nil {
			return nil, err
		}
	}
	for _, lb := range v.Trace {
		pb, err := lb.ToProto()
		if err != nil {
			return nil, err
		}
		raw, err := pb.Marshal()
		if err != nil {
			return nil, err
		}
		b.Headers = append(b.Headers, raw)
	}
	return b, nil
}

// Marshal encodes a bundle as one line of JSON.
func (b *Bundle) Marshal() ([]byte, error) { return json.Marshal(b) }

// ParseBundle decodes a bundle, refusing unknown fields, trailing data and
// other formats.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleBytes {
		return nil, fmt.Errorf("bundle has %d bytes, limit %d", len(data), MaxBundleBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	b := &Bundle{}
	if err := dec.Decode(b); err != nil {
		return nil, fmt.Errorf("bundle is not valid JSON of the expected shape: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("bundle has data after its end")
	}
	if b.Format != BundleFormat {
		return nil, fmt.Errorf("bundle format %q, this version reads %q", b.Format, BundleFormat)
	}
	if len(b.Headers) == 0 || b.Height <= 0 || b.Path == "" || b.ChainID == "" {
		return nil, fmt.Errorf("bundle lacks its path, height, chain id or headers")
	}
	return b, nil
}

// Verify checks a bundle offline: the header chain from the trust root, the
// app hash in header H+1, every proof, the answer, and for a history its
// hash chain. It returns the verified answer. Whatever the bundle holds, it
// returns an error rather than panic.
func (b *Bundle) Verify() (*Verified, error) {
	if b == nil {
		return nil, verifyErr("no bundle")
	}
	if b.Height <= 0 || b.Height == math.MaxInt64 {
		return nil, verifyErr("the bundle's height %d is out of range", b.Height)
	}
	if len(b.Headers) == 0 {
		return nil, verifyErr("the bundle holds no headers")
	}
	trust := Trust{Height: b.TrustHeight, Hash: b.TrustHash}
	if len(b.Genesis) > 0 {
		g, err := parseGenesis(b.Genesis)
		if err != nil {
			return nil, verifyErr("the bundle's genesis: %v", err)
		}
		trust = Trust{Genesis: g}
	} else if b.TrustHeight <= 0 || len(b.TrustHash) == 0 {
		return nil, verifyErr("the bundle names no trust root (neither a genesis nor a trusted height and hash)")
	}
	trace := make([]*cmttypes.LightBlock, len(b.Headers))
	for i, raw := range b.Headers {
		lb, err := decodeLightBlock(raw)
		if err != nil {
			return nil, verifyErr("header %d: %v", i, err)
		}
		trace[i] = lb
	}
	if err := replayTrace(b.ChainID, trust, trace); err != nil {
		return nil, err
	}
	last := trace[len(trace)-1]
	if last.Height != b.Height+1 {
		return nil, verifyErr("the last header is %d; the answer's app hash is in header %d", last.Height, b.Height+1)
	}
	res := &abci.ResponseQuery{}
	if err := res.Unmarshal(b.Response); err != nil {
		return nil, verifyErr("the answer does not decode: %v", err)
	}
	if res.Height != b.Height {
		return nil, verifyErr("the answer is of height %d, the bundle says %d", res.Height, b.Height)
	}
	proven, err := VerifyAnswer(res, b.Path, last.AppHash)
	if err != nil {
		return nil, err
	}
	return &Verified{Path: b.Path, Response: res, Height: b.Height, AppHash: last.AppHash, Header: last, Trace: trace, Trust: trust, Lists: proven.Ranges()}, nil
}

// decodeLightBlock decodes one header of a bundle and checks that it has
// every part the verification reads.
func decodeLightBlock(raw []byte) (*cmttypes.LightBlock, error) {
	var pb cmtproto.LightBlock
	if err := pb.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("does not decode: %v", err)
	}
	if pb.SignedHeader == nil || pb.SignedHeader.Header == nil || pb.SignedHeader.Commit == nil || pb.ValidatorSet == nil {
		return nil, errors.New("lacks its header, commit or validator set")
	}
	lb, err := cmttypes.LightBlockFromProto(&pb)
	if err != nil {
		return nil, err
	}
	if lb.SignedHeader == nil || lb.Header == nil || lb.Commit == nil || lb.ValidatorSet == nil {
		return nil, errors.New("lacks its header, commit or validator set")
	}
	return lb, nil
}

// parseGenesis decodes a genesis document, refusing what CometBFT's own
// checks would dereference unchecked (a validator without a key).
func parseGenesis(data []byte) (*cmttypes.GenesisDoc, error) {
	g := &cmttypes.GenesisDoc{}
	if err := cmtjson.Unmarshal(data, g); err != nil {
		return nil, err
	}
	for i, v := range g.Validators {
		if v.PubKey == nil {
			return nil, fmt.Errorf("validator %d has no public key", i)
		}
	}
	if err := g.ValidateAndComplete(); err != nil {
		return nil, err
	}
	if _, err := genesisValidators(g); err != nil {
		return nil, err
	}
	return g, nil
}

// GenesisRoot is the genesis a bundle trusts.
type GenesisRoot struct {
	ChainID string
	hash    []byte
}

// ValidatorHash is the hash of the root's validator set.
func (r *GenesisRoot) ValidatorHash() []byte { return r.hash }

// BundleGenesis decodes the genesis a bundle trusts.
func BundleGenesis(b *Bundle) (*GenesisRoot, error) {
	if b == nil || len(b.Genesis) == 0 {
		return nil, errors.New("the bundle holds no genesis")
	}
	g, err := parseGenesis(b.Genesis)
	if err != nil {
		return nil, err
	}
	h, err := GenesisValidatorHash(g)
	if err != nil {
		return nil, err
	}
	return &GenesisRoot{ChainID: g.ChainID, hash: h}, nil
}

// GenesisValidatorHash is the hash of a genesis validator set.
func GenesisValidatorHash(g *cmttypes.GenesisDoc) ([]byte, error) {
	vs, err := genesisValidators(g)
	if err != nil {
		return nil, err
	}
	return vs.Hash(), nil
}

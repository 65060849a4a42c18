//go:build byzantine

package node

// A byzantine proposer for the end-to-end tests (testnet/byzantine_test.go),
// built only with -tags byzantine. With COLDTRACE_BYZANTINE set, the node
// takes the honest app's proposal and mangles it before CometBFT signs and
// gossips it, and votes for its own mangled blocks; every other ABCI call
// goes to the honest app unchanged.

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/types"
)

// EnvByzantine lists the manglings, comma-separated, that a node built with
// -tags byzantine applies to its proposals in turn:
//
//	badsig        a signed tx whose signature has one byte flipped
//	noncanonical  the four variants below, in turn
//	nc-swap       a real tx with the outer Tx fields in reverse order
//	nc-repeat     a real tx whose signature field comes twice, the last one right
//	nc-varint     a real tx whose body_bytes length is a non-minimal varint
//	nc-body       a tx signed over a TxBody whose fields are in reverse order
//	oversize      a signed tx of max_tx_bytes + 1 bytes or more, valid otherwise
//	overblock     more tx bytes than the block may hold (CometBFT's MaxDataBytes)
const EnvByzantine = "COLDTRACE_BYZANTINE"

var byzantineModes = map[string][]string{
	"badsig":       {"badsig"},
	"noncanonical": {"nc-swap", "nc-repeat", "nc-varint", "nc-body"},
	"nc-swap":      {"nc-swap"},
	"nc-repeat":    {"nc-repeat"},
	"nc-varint":    {"nc-varint"},
	"nc-body":      {"nc-body"},
	"oversize":     {"oversize"},
	"overblock":    {"overblock"},
}

func wrapApp(a *app.App, conf *cfg.Config, logger log.Logger) (abci.Application, error) {
	spec := os.Getenv(EnvByzantine)
	if spec == "" {
		return a, nil
	}
	var modes []string
	for _, m := range strings.Split(spec, ",") {
		ms, ok := byzantineModes[strings.TrimSpace(m)]
		if !ok {
			return nil, fmt.Errorf("%s: unknown mode %q", EnvByzantine, m)
		}
		modes = append(modes, ms...)
	}
	gen, err := cmttypes.GenesisDocFromFile(conf.GenesisFile())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvByzantine, err)
	}
	seed := sha256.Sum256([]byte("coldtrace byzantine proposer " + conf.Moniker))
	logger = logger.With("module", "byzantine")
	logger.Info("byzantine proposer", "modes", strings.Join(modes, ","))
	return &mangler{App: a, chainID: gen.ChainID, key: ed25519.NewKeyFromSeed(seed[:]), modes: modes,
		logger: logger, mine: map[[32]byte]bool{}}, nil
}

type mangler struct {
	*app.App
	chainID string
	key     ed25519.PrivateKey
	modes   []string
	logger  log.Logger

	mu   sync.Mutex
	next int               // index into modes of the next mangling
	seq  uint64            // makes each of its own txs distinct
	mine map[[32]byte]bool // hashes of the txs it put into proposals
}

// PrepareProposal mangles the honest proposal with the next mode.
func (m *mangler) PrepareProposal(ctx context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	res, err := m.App.PrepareProposal(ctx, req)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mode := m.modes[m.next%len(m.modes)]
	m.next++
	lim := m.limits(ctx)
	txs := res.Txs

	if mode == "overblock" {
		big, err := m.oversize(lim)
		if err != nil {
			return nil, err
		}
		for cmttypes.ComputeProtoSizeForTxs(cmttypes.ToTxs(txs)) <= req.MaxTxBytes {
			txs = append(txs, big)
		}
		m.logger.Info("byzantine proposal", "height", req.Height, "mode", mode,
			"bytes", cmttypes.ComputeProtoSizeForTxs(cmttypes.ToTxs(txs)), "limit", req.MaxTxBytes)
		return &abci.ResponsePrepareProposal{Txs: txs}, nil
	}

	// A real tx from the mempool is the one a relayer would tamper with;
	// with none at hand the node signs one of its own.
	base, replace := m.ownTx(nil), -1
	for i, raw := range txs {
		var tx types.Tx
		if proto.Unmarshal(raw, &tx) == nil {
			base, replace = raw, i
			break
		}
	}
	from := "own"
	if replace >= 0 {
		from = "mempool"
	}
	var bad []byte
	switch mode {
	case "badsig":
		bad, err = flipSignature(base)
	case "nc-swap", "nc-repeat", "nc-varint":
		bad, err = reencode(base, mode)
	case "nc-body":
		bad, replace, from = m.ownTx(reverseBody), -1, "own"
	case "oversize":
		bad, err = m.oversize(lim)
		replace, from = -1, "own"
	}
	if err != nil {
		return nil, err
	}
	if replace >= 0 {
		txs = append(append(append([][]byte{}, txs[:replace]...), bad), txs[replace+1:]...)
	} else {
		txs = append(txs, bad)
	}
	// Stay within the block's limit, or CometBFT would refuse to propose:
	// honest txs go first, never the mangled one.
	for len(txs) > 1 && cmttypes.ComputeProtoSizeForTxs(cmttypes.ToTxs(txs)) > req.MaxTxBytes {
		if i := indexOf(txs, bad); i == 0 {
			txs = append(txs[:1:1], txs[2:]...)
		} else {
			txs = append(txs[:0:0], txs[1:]...)
		}
	}
	h := sha256.Sum256(bad)
	m.mine[h] = true
	m.logger.Info("byzantine proposal", "height", req.Height, "mode", mode, "from", from,
		"tx", fmt.Sprintf("%X", h[:]), "raw", hex.EncodeToString(bad))
	return &abci.ResponsePrepareProposal{Txs: txs}, nil
}

// ProcessProposal accepts its own mangled blocks, so that it prevotes for
// them as a colluding proposer would; others' go to the honest app.
func (m *mangler) ProcessProposal(ctx context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	m.mu.Lock()
	for _, raw := range req.Txs {
		if m.mine[sha256.Sum256(raw)] {
			m.mu.Unlock()
			return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
		}
	}
	m.mu.Unlock()
	return m.App.ProcessProposal(ctx, req)
}

func indexOf(txs [][]byte, tx []byte) int {
	for i, t := range txs {
		if string(t) == string(tx) {
			return i
		}
	}
	return -1
}

// limits reads the chain's tx limits from the app's committed params.
func (m *mangler) limits(ctx context.Context) *types.Params {
	p := types.DefaultParams()
	res, err := m.App.Query(ctx, &abci.RequestQuery{Path: "/params"})
	if err == nil && res.Code == 0 {
		var got types.Params
		if proto.Unmarshal(res.Value, &got) == nil && got.MaxTxBytes > 0 {
			p = &got
		}
	}
	return p
}

// ownTx signs a tx that passes every stateless check (its signer is not
// registered, which only the block's execution would find); encodeBody, when
// given, encodes the body instead of the deterministic encoding.
func (m *mangler) ownTx(encodeBody func(*types.TxBody) []byte) []byte {
	m.seq++
	pub := m.key.Public().(ed25519.PublicKey)
	return m.sign(&types.TxBody{ChainId: m.chainID, Signer: pub, Sequence: m.seq,
		Messages: []*types.Msg{types.WrapMsg(&types.MsgRegisterEnterprise{
			Uscc: byzantineUSCC, Name: "Byzantine Cold Store", Kind: types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE,
			Division: "330100", Keys: [][]byte{pub},
		})}}, encodeBody)
}

// byzantineUSCC is a well-formed unified social credit code (check character included).
const byzantineUSCC = "91330100MA2BAD000G"

func (m *mangler) sign(body *types.TxBody, encodeBody func(*types.TxBody) []byte) []byte {
	var bb []byte
	if encodeBody != nil {
		bb = encodeBody(body)
	} else {
		bb, _ = proto.MarshalOptions{Deterministic: true}.Marshal(body)
	}
	raw, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(m.key, types.SignBytes(bb))})
	return raw
}

// oversize signs one registration carrying enough keys to pass max_tx_bytes:
// statelessly valid in every respect but its size.
func (m *mangler) oversize(p *types.Params) ([]byte, error) {
	m.seq++
	pub := m.key.Public().(ed25519.PublicKey)
	msg := &types.MsgRegisterEnterprise{Uscc: byzantineUSCC, Name: "Byzantine Cold Store",
		Kind: types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, Division: "330100"}
	for i := 0; len(msg.Keys) <= int(p.MaxTxBytes)/ed25519.PublicKeySize; i++ {
		k := sha256.Sum256([]byte(fmt.Sprint("byzantine key ", i)))
		msg.Keys = append(msg.Keys, k[:])
	}
	raw := m.sign(&types.TxBody{ChainId: m.chainID, Signer: pub, Sequence: m.seq, Messages: []*types.Msg{types.WrapMsg(msg)}}, nil)
	if len(raw) <= int(p.MaxTxBytes) {
		return nil, fmt.Errorf("byzantine: oversize tx of %d bytes is within max_tx_bytes %d", len(raw), p.MaxTxBytes)
	}
	return raw, nil
}

func flipSignature(raw []byte) ([]byte, error) {
	var tx types.Tx
	if err := proto.Unmarshal(raw, &tx); err != nil || len(tx.Signature) == 0 {
		return nil, fmt.Errorf("byzantine: no signature to flip (%v)", err)
	}
	tx.Signature[len(tx.Signature)/2] ^= 0x01
	return proto.MarshalOptions{Deterministic: true}.Marshal(&tx)
}

// reencode writes the same Tx (same body bytes, same signature) in a
// non-canonical form that decodes to the same message.
func reencode(raw []byte, mode string) ([]byte, error) {
	var tx types.Tx
	if err := proto.Unmarshal(raw, &tx); err != nil {
		return nil, err
	}
	var b []byte
	switch mode {
	case "nc-swap":
		b = protowire.AppendBytes(protowire.AppendTag(b, 2, protowire.BytesType), tx.Signature)
		b = protowire.AppendBytes(protowire.AppendTag(b, 1, protowire.BytesType), tx.BodyBytes)
	case "nc-repeat":
		junk := make([]byte, len(tx.Signature))
		b = protowire.AppendBytes(protowire.AppendTag(b, 1, protowire.BytesType), tx.BodyBytes)
		b = protowire.AppendBytes(protowire.AppendTag(b, 2, protowire.BytesType), junk)
		b = protowire.AppendBytes(protowire.AppendTag(b, 2, protowire.BytesType), tx.Signature)
	case "nc-varint":
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		n := protowire.AppendVarint(nil, uint64(len(tx.BodyBytes)))
		n[len(n)-1] |= 0x80 // one more, empty, group: the same length in one byte more
		b = append(append(append(b, n...), 0x00), tx.BodyBytes...)
		b = protowire.AppendBytes(protowire.AppendTag(b, 2, protowire.BytesType), tx.Signature)
	}
	return b, nil
}

// reverseBody encodes a TxBody with its fields from the last to the first.
func reverseBody(body *types.TxBody) []byte {
	var b []byte
	if body.Memo != "" {
		b = protowire.AppendString(protowire.AppendTag(b, 5, protowire.BytesType), body.Memo)
	}
	for _, msg := range body.Messages {
		mb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
		b = protowire.AppendBytes(protowire.AppendTag(b, 4, protowire.BytesType), mb)
	}
	b = protowire.AppendVarint(protowire.AppendTag(b, 3, protowire.VarintType), body.Sequence)
	b = protowire.AppendBytes(protowire.AppendTag(b, 2, protowire.BytesType), body.Signer)
	return protowire.AppendString(protowire.AppendTag(b, 1, protowire.BytesType), body.ChainId)
}

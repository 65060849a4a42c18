package app

import (
	"context"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Query paths. Single records answer with the record's protobuf bytes under
// its state key and, with prove=true, an ics23 proof (membership, or
// non-membership for "not found") against the app hash of the queried height.
//
//	/registry/regulator/{division}
//	/registry/enterprise/{uscc}
//	/registry/account/{ed25519 key, hex}
//	/registry/enterprises/{division prefix}?after={division/uscc}&limit={1..100}  → EnterprisesPage
//	/registry/keys/{regulator|enterprise}/{id}                                 → KeysPage
//	/params                                                                    → Params
const maxPageLimit = 100

// Query reads a saved version, never the block in progress.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	res, err := a.query(req)
	if err != nil {
		code, log := types.CodeOf(err)
		if res == nil {
			res = &abci.ResponseQuery{}
		}
		res.Code, res.Log, res.Codespace = code, log, types.Codespace
	}
	return res, nil
}

func (a *App) query(req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	latest := a.tree.Version()
	height := req.Height
	if height == 0 {
		height = latest
	}
	if latest == 0 {
		return nil, types.ErrHeightUnavailable.Wrapf("the node has not committed its first block yet; retry in a moment")
	}
	if height <= 0 || height > latest || !a.tree.VersionExists(height) {
		return nil, types.ErrHeightUnavailable.Wrapf("height %d is not stored (latest is %d)", req.Height, latest)
	}
	snap, err := a.tree.Immutable(height)
	if err != nil {
		return nil, types.ErrHeightUnavailable.Wrapf("height %d: %v", height, err)
	}
	u, err := url.Parse(req.Path)
	if err != nil {
		return nil, types.ErrBadQuery.Wrapf("path %q: %v", req.Path, err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	st := state.New(snap)
	switch {
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "regulator":
		return recordAt(snap, height, state.RegulatorKey(parts[2]), req.Prove, "regulator "+parts[2])
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "enterprise":
		return recordAt(snap, height, state.EnterpriseKey(parts[2]), req.Prove, "enterprise "+parts[2])
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "account":
		pub, err := hex.DecodeString(parts[2])
		if err != nil || len(pub) != 32 {
			return nil, types.ErrBadQuery.Wrapf("account key %q is not 64 hex characters", parts[2])
		}
		return recordAt(snap, height, state.AccountKey(pub), req.Prove, "account "+parts[2])
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "enterprises":
		return queryEnterprises(st, height, parts[2], u.Query())
	case len(parts) == 4 && parts[0] == "registry" && parts[1] == "keys":
		return queryKeys(st, height, parts[2], parts[3])
	case len(parts) >= 2 && len(parts) <= 3 && parts[0] == "supervision":
		return a.querySupervision(snap, height, parts, u.Query(), req.Prove)
	case len(parts) >= 2 && parts[0] == "trace":
		return a.queryTrace(snap, height, parts, u.Query(), req.Prove)
	case len(parts) == 1 && parts[0] == "params":
		return recordAt(snap, height, state.ParamsKey(), req.Prove, "params")
	}
	return nil, types.ErrUnknownQuery.Wrapf("no query path %q", req.Path)
}

// prove answers a single-record query, with its proof when asked.
func recordAt(snap *state.Snapshot, height int64, key []byte, withProof bool, what string) (*abci.ResponseQuery, error) {
	res := &abci.ResponseQuery{Key: key, Height: height}
	var value []byte
	if withProof {
		v, p, err := snap.Prove(key)
		if err != nil {
			return nil, err
		}
		data, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		value = v
		res.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: state.ProofOpType, Key: key, Data: data}}}
	} else {
		v, err := snap.Get(key)
		if err != nil {
			return nil, err
		}
		value = v
	}
	if value == nil {
		return res, types.ErrNotFound.Wrapf("%s is not recorded at height %d", what, height)
	}
	res.Value = value
	return res, nil
}

func queryEnterprises(st *state.State, height int64, prefix string, q url.Values) (*abci.ResponseQuery, error) {
	if err := types.ValidDivisionPrefix(prefix); err != nil {
		return nil, types.ErrBadQuery.Wrapf("%v", err)
	}
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageLimit {
			return nil, types.ErrBadQuery.Wrapf("limit %q must be between 1 and %d", s, maxPageLimit)
		}
		limit = n
	}
	list, next, err := st.Enterprises(prefix, q.Get("after"), limit)
	if err != nil {
		return nil, err
	}
	return encode(height, &types.EnterprisesPage{Enterprises: list, Next: next})
}

func queryKeys(st *state.State, height int64, kind, id string) (*abci.ResponseQuery, error) {
	var k types.OwnerKind
	switch kind {
	case "regulator":
		k = types.OwnerKind_OWNER_KIND_REGULATOR
	case "enterprise":
		k = types.OwnerKind_OWNER_KIND_ENTERPRISE
	default:
		return nil, types.ErrBadQuery.Wrapf("owner kind %q must be regulator or enterprise", kind)
	}
	accts, err := st.Keys(k, id)
	if err != nil {
		return nil, err
	}
	return encode(height, &types.KeysPage{Accounts: accts})
}

func encode(height int64, m proto.Message) (*abci.ResponseQuery, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &abci.ResponseQuery{Value: b, Height: height}, nil
}

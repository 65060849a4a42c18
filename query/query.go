package query

import (
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
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

// Answer computes the answer to a query path from kv alone: the node runs it
// over a saved version, a client over the keys a node proved.
func Answer(kv state.KV, height int64, path string) (*abci.ResponseQuery, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, types.ErrBadQuery.Wrapf("path %q: %v", path, err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	st := state.New(kv)
	switch {
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "regulator":
		return recordAt(kv, height, state.RegulatorKey(parts[2]), "regulator "+parts[2])
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "enterprise":
		return recordAt(kv, height, state.EnterpriseKey(parts[2]), "enterprise "+parts[2])
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "account":
		pub, err := hex.DecodeString(parts[2])
		if err != nil || len(pub) != 32 {
			return nil, types.ErrBadQuery.Wrapf("account key %q is not 64 hex characters", parts[2])
		}
		return recordAt(kv, height, state.AccountKey(pub), "account "+parts[2])
	case len(parts) == 3 && parts[0] == "registry" && parts[1] == "enterprises":
		return queryEnterprises(st, height, parts[2], u.Query())
	case len(parts) == 4 && parts[0] == "registry" && parts[1] == "keys":
		return queryKeys(st, height, parts[2], parts[3])
	case len(parts) >= 2 && len(parts) <= 3 && parts[0] == "supervision":
		return querySupervision(kv, height, parts, u.Query())
	case len(parts) >= 2 && parts[0] == "trace":
		return queryTrace(kv, height, parts, u.Query())
	case len(parts) <= 2 && parts[0] == "validators":
		return queryValidators(kv, height, parts)
	case len(parts) == 1 && parts[0] == "params":
		return recordAt(kv, height, state.ParamsKey(), "params")
	case len(parts) == 1 && parts[0] == "rules":
		r, err := st.Rules()
		if err != nil {
			return nil, err
		}
		return encode(height, r)
	}
	return nil, types.ErrUnknownQuery.Wrapf("no query path %q", path)
}

// recordAt answers a single-record query: the record's bytes under its key.
func recordAt(kv state.KV, height int64, key []byte, what string) (*abci.ResponseQuery, error) {
	res := &abci.ResponseQuery{Key: key, Height: height}
	value, err := kv.Get(key)
	if err != nil {
		return nil, err
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

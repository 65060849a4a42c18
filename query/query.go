package query

import (
	"net/url"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Every query path is a Route (routes.go). Single records answer with the
// record's protobuf bytes under its state key and, with prove=true, an ics23
// proof (membership, or non-membership for "not found") against the app
// hash of the queried height.
const maxPageLimit = 100

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

package query

import (
	"encoding/hex"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// queryValidators answers /validators (the set, ordered by consensus key)
// and /validators/{consensus key, hex} (one validator).
func queryValidators(kv state.KV, height int64, parts []string) (*abci.ResponseQuery, error) {
	switch len(parts) {
	case 1:
		set, err := state.New(kv).Validators()
		if err != nil {
			return nil, err
		}
		return encode(height, &types.ValidatorList{Validators: set})
	case 2:
		pub, err := hex.DecodeString(parts[1])
		if err != nil || len(pub) != 32 {
			return nil, types.ErrBadQuery.Wrapf("validator key %q is not 64 hex characters", parts[1])
		}
		return recordAt(kv, height, state.ValidatorKey(pub), "validator "+parts[1])
	}
	return nil, types.ErrUnknownQuery.Wrapf("no query path /%s", strings.Join(parts, "/"))
}

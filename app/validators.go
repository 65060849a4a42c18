package app

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// The validator set lives in state under prefix 0x22, one types.Validator per
// ed25519 consensus key; a removed validator is deleted. FinalizeBlock compares
// the set before and after the block's txs and returns the difference to
// CometBFT as validator updates, one per key, ordered by key (CometBFT
// refuses two updates of one key in a block). CometBFT applies them two
// blocks later.

// validatorStore is all the validator handler may touch.
type validatorStore interface {
	Regulator(division string) (*types.Regulator, error)
	Validator(pub []byte) (*types.Validator, error)
	SetValidator(*types.Validator) error
	DeleteValidator(pub []byte) error
	Validators() ([]*types.Validator, error)
}

func validatorView(s *state.State) validatorStore { return s }

func registerValidators(r *router) error {
	return add(r, validatorView, setValidator)
}

// setValidator: the root regulator (the one without a parent) adds a
// validator (power > 0, operated by a registered, active regulator),
// re-weights it or changes its operator and name, or removes it (power 0).
// The set never loses its last validator nor all of its power.
func setValidator(ctx *Context, st validatorStore, m *types.MsgSetValidator) error {
	if err := requireRoot(ctx, "change the validator set"); err != nil {
		return err
	}
	set, err := st.Validators()
	if err != nil {
		return err
	}
	var existing *types.Validator
	var others, total int64
	for _, v := range set {
		total += v.Power
		if bytes.Equal(v.PubKey, m.PubKey) {
			existing = v
		} else {
			others += v.Power
		}
	}
	key := hex.EncodeToString(m.PubKey)
	if m.Power == 0 {
		if existing == nil {
			return types.ErrNotFound.Wrapf("%s is not a validator", key)
		}
		if len(set) == 1 || others <= 0 {
			return types.ErrInvalidState.Wrapf("%s is the last validator with power; add another before removing it", key)
		}
		if err := st.DeleteValidator(m.PubKey); err != nil {
			return err
		}
		ctx.Emit("set_validator", Indexed("operator", existing.Operator), Attr("pub_key", key), Attr("power", "0"))
		return nil
	}
	if m.Power > cmttypes.MaxTotalVotingPower-others {
		return types.ErrInvalidField.Wrapf("power %d would bring the total above %d", m.Power, cmttypes.MaxTotalVotingPower)
	}
	op, err := st.Regulator(m.Operator)
	if err != nil {
		return err
	}
	if op == nil {
		return types.ErrNotFound.Wrapf("no regulator is registered for division %s to operate the validator", m.Operator)
	}
	if op.Status != types.Status_STATUS_ACTIVE {
		return types.ErrInvalidState.Wrapf("regulator %s is %s", m.Operator, types.StatusName(op.Status))
	}
	if existing != nil && existing.Power == m.Power && existing.Operator == m.Operator && existing.Name == m.Name {
		return types.ErrInvalidState.Wrapf("validator %s already has power %d, operator %s and name %q", key, m.Power, m.Operator, m.Name)
	}
	if err := st.SetValidator(&types.Validator{
		PubKey: m.PubKey, Power: m.Power, Operator: m.Operator, Name: m.Name, UpdatedHeight: ctx.Height,
	}); err != nil {
		return err
	}
	ctx.Emit("set_validator", Indexed("operator", m.Operator), Attr("pub_key", key), Attr("power", strconv.FormatInt(m.Power, 10)))
	return nil
}

// validatorPowers reads the set's powers, ordered by key.
func validatorPowers(kv state.KV) ([]*types.Validator, error) {
	return state.New(kv).Validators()
}

// validatorUpdates is the difference between two sets, both ordered by key:
// new and re-weighted validators with their power, removed ones with power 0.
// A change of operator or name alone is no update for CometBFT.
func validatorUpdates(before, after []*types.Validator) []abci.ValidatorUpdate {
	var out []abci.ValidatorUpdate
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && bytes.Compare(before[i].PubKey, after[j].PubKey) < 0):
			out = append(out, abci.Ed25519ValidatorUpdate(before[i].PubKey, 0))
			i++
		case i == len(before) || bytes.Compare(after[j].PubKey, before[i].PubKey) < 0:
			out = append(out, abci.Ed25519ValidatorUpdate(after[j].PubKey, after[j].Power))
			j++
		default:
			if before[i].Power != after[j].Power {
				out = append(out, abci.Ed25519ValidatorUpdate(after[j].PubKey, after[j].Power))
			}
			i++
			j++
		}
	}
	return out
}

// initValidators records the genesis validators, operated by the root
// regulator until it assigns them (MsgSetValidator with the same power).
func initValidators(kv state.KV, vals []abci.ValidatorUpdate, root string, height int64) error {
	st := state.New(kv)
	for i, v := range vals {
		pub := v.PubKey.GetEd25519()
		if len(pub) != 32 {
			return fmt.Errorf("genesis: validator %d: only ed25519 consensus keys are supported", i)
		}
		if v.Power <= 0 {
			continue
		}
		if err := st.SetValidator(&types.Validator{
			PubKey: pub, Power: v.Power, Operator: root, Name: fmt.Sprintf("genesis-%d", i), UpdatedHeight: height,
		}); err != nil {
			return err
		}
	}
	return nil
}

package app

import (
	"context"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// ParseGenesis decodes and checks the app_state of genesis.json.
func ParseGenesis(appState []byte) (*types.GenesisState, error) {
	g := &types.GenesisState{}
	if len(appState) == 0 {
		return nil, fmt.Errorf("genesis: app_state is empty; create the home with `coldtrace init`")
	}
	if err := protojson.Unmarshal(appState, g); err != nil {
		return nil, fmt.Errorf("genesis: app_state: %w", err)
	}
	if g.Params == nil {
		g.Params = types.DefaultParams()
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	return g, nil
}

// InitChain writes the genesis state: the chain id, parameters, and the root
// regulator with its keys, and CometBFT's genesis validators as Validator
// records operated by the root regulator (the set itself stays as genesis says).
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	if a.tree.Version() > 0 {
		return nil, fmt.Errorf("app: InitChain on a tree already at version %d", a.tree.Version())
	}
	g, err := ParseGenesis(req.AppStateBytes)
	if err != nil {
		return nil, err
	}
	if req.ChainId == "" {
		return nil, fmt.Errorf("genesis: chain_id is empty")
	}
	a.tree.SetInitialVersion(req.InitialHeight)
	st := state.New(a.tree)
	if err := st.SetChainID(req.ChainId); err != nil {
		return nil, err
	}
	if err := st.SetParams(g.Params); err != nil {
		return nil, err
	}
	// A chain that starts under rules v1 records nothing, as chains did
	// before rules had versions, so their genesis hashes stay the same.
	if g.RulesVersion > types.RulesV1 {
		if err := st.SetRules(&types.Rules{Version: g.RulesVersion, SinceHeight: req.InitialHeight}); err != nil {
			return nil, err
		}
	}
	root := g.RootRegulator
	if err := st.SetRegulator(&types.Regulator{
		Division:         root.Division,
		Name:             root.Name,
		Status:           types.Status_STATUS_ACTIVE,
		ActiveKeys:       uint32(len(root.Keys)),
		RegisteredHeight: req.InitialHeight,
	}); err != nil {
		return nil, err
	}
	for _, k := range root.Keys {
		if err := st.SetAccount(&types.Account{
			Key: k, OwnerKind: types.OwnerKind_OWNER_KIND_REGULATOR, OwnerId: root.Division,
			AddedHeight: req.InitialHeight, Label: "genesis",
		}); err != nil {
			return nil, err
		}
	}
	if c := g.Customs; c != nil {
		if err := st.SetCustoms(&types.Customs{Name: c.Name, ActiveKeys: uint32(len(c.Keys))}); err != nil {
			return nil, err
		}
		for _, k := range c.Keys {
			if err := st.SetAccount(&types.Account{
				Key: k, OwnerKind: types.OwnerKind_OWNER_KIND_CUSTOMS, OwnerId: types.CustomsID,
				AddedHeight: req.InitialHeight, Label: "genesis",
			}); err != nil {
				return nil, err
			}
		}
	}
	if err := initValidators(a.tree, req.Validators, root.Division, req.InitialHeight); err != nil {
		return nil, err
	}
	a.limits = types.Limits{ChainID: req.ChainId, MaxTxBytes: int(g.Params.MaxTxBytes), MaxMsgsPerTx: int(g.Params.MaxMsgsPerTx)}
	if err := a.resetCheckState(); err != nil {
		return nil, err
	}
	return &abci.ResponseInitChain{AppHash: a.tree.WorkingHash()}, nil
}

package types

// DefaultParams are sized for scan events: a tx of a few hundred bytes, a
// batch of up to a thousand codes well under 64 KiB.
func DefaultParams() *Params {
	return &Params{MaxTxBytes: 65536, MaxMsgsPerTx: 100, MaxKeysPerOwner: 1000}
}

// Validate checks that the parameters leave the chain usable.
func (p *Params) Validate() error {
	switch {
	case p == nil:
		return ErrInvalidField.Wrapf("params are missing")
	case p.MaxTxBytes < 1024 || p.MaxTxBytes > 4<<20:
		return ErrInvalidField.Wrapf("params.max_tx_bytes %d must be between 1024 and 4194304", p.MaxTxBytes)
	case p.MaxMsgsPerTx < 1:
		return ErrInvalidField.Wrapf("params.max_msgs_per_tx must be at least 1")
	case p.MaxKeysPerOwner < 1:
		return ErrInvalidField.Wrapf("params.max_keys_per_owner must be at least 1")
	}
	return nil
}

// Validate checks a genesis app_state.
func (g *GenesisState) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return err
	}
	r := g.RootRegulator
	if r == nil {
		return ErrInvalidField.Wrapf("genesis: root_regulator is missing")
	}
	if _, err := ParseDivision(r.Division); err != nil {
		return err
	}
	if err := ValidateText("root_regulator.name", r.Name, MaxNameBytes, true); err != nil {
		return err
	}
	return validateKeys(r.Keys)
}

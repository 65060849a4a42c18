package types

import "fmt"

// DefaultParams are sized for scan events (a tx of a few hundred bytes, a
// batch of up to a thousand codes well under 64 KiB) and for the supervision
// of imported cold-chain food: every origin but CN passes a supervision
// warehouse; frozen goods stay at or below −18 °C, chilled goods at 0–8 °C.
func DefaultParams() *Params {
	return &Params{
		MaxTxBytes: 65536, MaxMsgsPerTx: 100, MaxKeysPerOwner: 1000,
		SupervisionExemptOrigins: []string{"CN"},
		TemperatureProfiles: []*TemperatureProfile{
			{Category: "frozen", MinCenti: -8000, MaxCenti: -1800, ToleranceSeconds: 1800},
			{Category: "chilled", MinCenti: 0, MaxCenti: 800, ToleranceSeconds: 1800},
		},
		UnreceivedAlertSeconds: 72 * 3600,
		CloneWindowSeconds:     3600,
	}
}

// Defaults of the parameters rules v3 added, for chains whose parameters
// predate them (0 means the default).
const (
	DefaultUnverifiedAlertSeconds  = 24 * 3600
	DefaultUncommissionedAlertDays = 14
	DefaultSiteAlertDays           = 14
	DefaultMaxEventAgeSeconds      = 7 * 24 * 3600
)

func orDefault(v, d uint32) uint32 {
	if v == 0 {
		return d
	}
	return v
}

// UnverifiedAlert is how long goods may cite a declaration customs has not recorded before an alert.
func (p *Params) UnverifiedAlert() uint32 {
	return orDefault(p.UnverifiedAlertSeconds, DefaultUnverifiedAlertSeconds)
}

// UncommissionedAlert is how many days a declaration may go uncited before an alert.
func (p *Params) UncommissionedAlert() uint32 {
	return orDefault(p.UncommissionedAlertDays, DefaultUncommissionedAlertDays)
}

// SiteAlert is how many days back a positive site test reaches the divisions the site supplied.
func (p *Params) SiteAlert() uint32 { return orDefault(p.SiteAlertDays, DefaultSiteAlertDays) }

// MaxEventAge is how long before its block a signed event time may be.
func (p *Params) MaxEventAge() uint32 {
	return orDefault(p.MaxEventAgeSeconds, DefaultMaxEventAgeSeconds)
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
	case p.UnreceivedAlertSeconds < 60:
		return ErrInvalidField.Wrapf("params.unreceived_alert_seconds must be at least 60")
	case p.UnverifiedAlertSeconds != 0 && p.UnverifiedAlertSeconds < 60:
		return ErrInvalidField.Wrapf("params.unverified_alert_seconds must be at least 60 (or 0 for the default)")
	case p.UncommissionedAlertDays > 3650:
		return ErrInvalidField.Wrapf("params.uncommissioned_alert_days must be at most 3650")
	case p.SiteAlertDays > 365:
		return ErrInvalidField.Wrapf("params.site_alert_days must be at most 365")
	case p.MaxEventAgeSeconds > 90*24*3600:
		return ErrInvalidField.Wrapf("params.max_event_age_seconds must be at most 90 days (7776000)")
	}
	for i, c := range p.SupervisionExemptOrigins {
		if !isCountry(c) {
			return ErrInvalidField.Wrapf("params.supervision_exempt_origins[%d] %q is not an ISO 3166-1 alpha-2 code", i, c)
		}
	}
	seen := map[string]bool{}
	for i, t := range p.TemperatureProfiles {
		f := fmt.Sprintf("params.temperature_profiles[%d]", i)
		if err := ValidateText(f+".category", t.Category, MaxLabelBytes, true); err != nil {
			return err
		}
		if seen[t.Category] {
			return ErrInvalidField.Wrapf("%s: category %q appears twice", f, t.Category)
		}
		seen[t.Category] = true
		if t.MinCenti > t.MaxCenti {
			return ErrInvalidField.Wrapf("%s: min_centi %d is above max_centi %d", f, t.MinCenti, t.MaxCenti)
		}
	}
	return nil
}

func isCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// Exempt reports whether goods from origin skip the supervision warehouse.
func (p *Params) Exempt(origin string) bool {
	for _, c := range p.SupervisionExemptOrigins {
		if c == origin {
			return true
		}
	}
	return false
}

// Profile returns the temperature profile of a category ("frozen seafood"
// matches "frozen"), or nil.
func (p *Params) Profile(category string) *TemperatureProfile {
	for _, t := range p.TemperatureProfiles {
		if category == t.Category || (len(category) > len(t.Category) && category[:len(t.Category)] == t.Category && category[len(t.Category)] == ' ') {
			return t
		}
	}
	return nil
}

// Validate checks a genesis app_state.
func (g *GenesisState) Validate() error {
	if g == nil {
		return ErrInvalidField.Wrapf("genesis: app_state is missing")
	}
	if err := g.Params.Validate(); err != nil {
		return err
	}
	if g.RulesVersion > LatestRules {
		return ErrInvalidField.Wrapf("genesis: rules_version %d is newer than this binary knows (%d)", g.RulesVersion, LatestRules)
	}
	r := g.RootRegulator
	if r == nil {
		return ErrInvalidField.Wrapf("genesis: root_regulator is missing")
	}
	if _, err := ParseDivision(r.Division); err != nil {
		return err
	}
	if _, ok := ListedDivision(r.Division); !ok && g.RulesVersion >= RulesV2 {
		return ErrInvalidDivision.Wrapf("genesis: root_regulator.division %s is not in the GB/T 2260 list (%s)", r.Division, GBT2260Edition)
	}
	if err := ValidateText("root_regulator.name", r.Name, MaxNameBytes, true); err != nil {
		return err
	}
	if err := validateKeys(r.Keys); err != nil {
		return err
	}
	if c := g.Customs; c != nil {
		if err := ValidateText("customs.name", c.Name, MaxNameBytes, true); err != nil {
			return err
		}
		if err := validateKeys(c.Keys); err != nil {
			return err
		}
		for _, k := range c.Keys {
			for _, rk := range r.Keys {
				if string(k) == string(rk) {
					return ErrInvalidField.Wrapf("genesis: a key belongs to both the root regulator and customs")
				}
			}
		}
	}
	return nil
}

package types

import "fmt"

// validate checks a licence: a kind, a number, and a validity period.
func (l *Licence) validate(field string) error {
	if l == nil {
		return ErrInvalidField.Wrapf("%s is missing", field)
	}
	if _, ok := LicenceKind_name[int32(l.Kind)]; !ok || l.Kind == LicenceKind_LICENCE_KIND_UNSPECIFIED {
		return ErrInvalidField.Wrapf("%s.kind must be food-business, food-production or cold-store", field)
	}
	if err := ValidateText(field+".number", l.Number, MaxLabelBytes, true); err != nil {
		return err
	}
	if err := ValidateDate(field+".valid_from", l.ValidFrom, true); err != nil {
		return err
	}
	if err := ValidateDate(field+".valid_until", l.ValidUntil, true); err != nil {
		return err
	}
	if l.ValidUntil < l.ValidFrom {
		return ErrInvalidField.Wrapf("%s is valid until %s, before it is valid from %s", field, l.ValidUntil, l.ValidFrom)
	}
	return nil
}

// validate checks a registration profile; an application (complete) needs
// an address, the legal representative's title, a contact channel and a
// food business licence.
func (p *Profile) validate(complete bool) error {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"profile.address", p.Address, MaxNameBytes},
		{"profile.legal_representative_title", p.LegalRepresentativeTitle, MaxLabelBytes},
		{"profile.contact", p.Contact, MaxLabelBytes},
	} {
		if err := ValidateText(f.name, f.v, f.max, complete); err != nil {
			return err
		}
	}
	if p.Gln != "" {
		if len(p.Gln) != 13 || !allDigits(p.Gln) {
			return ErrInvalidField.Wrapf("profile.gln %q must be a 13-digit GS1 Global Location Number", p.Gln)
		}
		if c, err := GS1CheckDigit(p.Gln[:12]); err != nil || byte(c) != p.Gln[12] {
			return ErrInvalidField.Wrapf("profile.gln %s has a wrong check digit", p.Gln)
		}
	}
	if len(p.Licences) > 10 || len(p.TemperatureZones) > 10 {
		return ErrInvalidField.Wrapf("profile: at most 10 licences and 10 temperature zones")
	}
	food := false
	for i, l := range p.Licences {
		if err := l.validate(fmt.Sprintf("profile.licences[%d]", i)); err != nil {
			return err
		}
		food = food || l.Kind == LicenceKind_LICENCE_KIND_FOOD_BUSINESS || l.Kind == LicenceKind_LICENCE_KIND_FOOD_PRODUCTION
	}
	for i, z := range p.TemperatureZones {
		if err := ValidateText(fmt.Sprintf("profile.temperature_zones[%d]", i), z, MaxLabelBytes, true); err != nil {
			return err
		}
	}
	if complete && !food {
		return ErrInvalidField.Wrapf("profile.licences: an application needs the food business (or production) licence")
	}
	return nil
}

func (m *MsgApplyEnterprise) ValidateBasic() error {
	if err := ValidateUSCC(m.Uscc); err != nil {
		return err
	}
	if err := ValidateText("name", m.Name, MaxNameBytes, true); err != nil {
		return err
	}
	if _, ok := EnterpriseKind_name[int32(m.Kind)]; !ok || m.Kind == EnterpriseKind_ENTERPRISE_KIND_UNSPECIFIED {
		return ErrInvalidField.Wrapf("kind must be one of %v", KindNames())
	}
	if _, err := ParseDivision(m.Division); err != nil {
		return err
	}
	if m.Profile == nil {
		return ErrInvalidField.Wrapf("profile is required: address, legal representative's title, contact and licences")
	}
	return m.Profile.validate(true)
}

func (m *MsgDecideApplication) ValidateBasic() error {
	if err := ValidateUSCC(m.Uscc); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

func (m *MsgRenewLicence) ValidateBasic() error {
	if err := ValidateUSCC(m.Uscc); err != nil {
		return err
	}
	return m.Licence.validate("licence")
}

// FoodLicence is the enterprise's food business (or production) licence
// that expires last, or nil.
func (e *Enterprise) FoodLicence() *Licence {
	var best *Licence
	for _, l := range e.GetProfile().GetLicences() {
		if l.Kind != LicenceKind_LICENCE_KIND_FOOD_BUSINESS && l.Kind != LicenceKind_LICENCE_KIND_FOOD_PRODUCTION {
			continue
		}
		if best == nil || l.ValidUntil > best.ValidUntil {
			best = l
		}
	}
	return best
}

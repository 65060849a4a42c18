package types

import (
	"crypto/ed25519"
	"fmt"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
)

// Field limits shared by every message.
const (
	MaxNameBytes   = 200
	MaxReasonBytes = 500
	MaxLabelBytes  = 100
)

// validator is implemented by every message: the checks that need no state.
type validator interface {
	ValidateBasic() error
}

func validateMsg(m proto.Message) error {
	v, ok := m.(validator)
	if !ok {
		return ErrUnknownMessage.Wrapf("%s has no validation", m.ProtoReflect().Descriptor().FullName())
	}
	return v.ValidateBasic()
}

func wrapIndex(err error, i int) error {
	code, _ := CodeOf(err)
	if e := ErrorByCode(code); e != nil {
		return e.Wrapf("message %d: %s", i, trimName(err, e))
	}
	return err
}

func trimName(err error, e *Error) string {
	s := err.Error()
	if len(s) > len(e.Name)+2 && s[:len(e.Name)+2] == e.Name+": " {
		return s[len(e.Name)+2:]
	}
	return s
}

// ValidateText checks a required or optional human-readable field.
func ValidateText(field, s string, max int, required bool) error {
	switch {
	case required && s == "":
		return ErrInvalidField.Wrapf("%s is required", field)
	case len(s) > max:
		return ErrInvalidField.Wrapf("%s has %d bytes, limit %d", field, len(s), max)
	case !utf8.ValidString(s):
		return ErrInvalidField.Wrapf("%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) { // C0, DEL and C1 (U+0080..U+009F, e.g. NEL)
			return ErrInvalidField.Wrapf("%s contains a control character", field)
		}
	}
	return nil
}

// ValidateKey checks that k is an ed25519 public key (a consensus key).
func ValidateKey(field string, k []byte) error {
	if len(k) != ed25519.PublicKeySize {
		return ErrInvalidKey.Wrapf("%s has %d bytes, want %d", field, len(k), ed25519.PublicKeySize)
	}
	return nil
}

func validateKeys(keys [][]byte) error {
	if len(keys) == 0 {
		return ErrInvalidField.Wrapf("keys: at least one key is required")
	}
	seen := map[string]bool{}
	for i, k := range keys {
		if err := ValidateAccountKey(fmt.Sprintf("keys[%d]", i), k); err != nil {
			return err
		}
		if seen[string(k)] {
			return ErrInvalidField.Wrapf("keys[%d] is repeated", i)
		}
		seen[string(k)] = true
	}
	return nil
}

func (m *MsgRegisterRegulator) ValidateBasic() error {
	if _, err := ParseDivision(m.Division); err != nil {
		return err
	}
	if err := ValidateText("name", m.Name, MaxNameBytes, true); err != nil {
		return err
	}
	return validateKeys(m.Keys)
}

func (m *MsgRegisterEnterprise) ValidateBasic() error {
	if err := ValidateUSCC(m.Uscc); err != nil {
		return err
	}
	if err := ValidateText("name", m.Name, MaxNameBytes, true); err != nil {
		return err
	}
	if _, ok := EnterpriseKind_name[int32(m.Kind)]; !ok || m.Kind == EnterpriseKind_ENTERPRISE_KIND_UNSPECIFIED {
		return ErrInvalidField.Wrapf("kind %d is not an enterprise kind", m.Kind)
	}
	if _, err := ParseDivision(m.Division); err != nil {
		return err
	}
	if m.Profile != nil {
		if err := m.Profile.validate(false); err != nil {
			return err
		}
	}
	return validateKeys(m.Keys)
}

func (m *MsgAddKey) ValidateBasic() error {
	if err := ValidateOwner(m.OwnerKind, m.OwnerId); err != nil {
		return err
	}
	if err := ValidateAccountKey("key", m.Key); err != nil {
		return err
	}
	return ValidateText("label", m.Label, MaxLabelBytes, false)
}

func (m *MsgRevokeKey) ValidateBasic() error {
	if err := ValidateAccountKey("key", m.Key); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

func (m *MsgSuspendEnterprise) ValidateBasic() error {
	if err := ValidateUSCC(m.Uscc); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

func (m *MsgReinstateEnterprise) ValidateBasic() error {
	if err := ValidateUSCC(m.Uscc); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

// ValidateOwner checks that id is well formed for its kind.
func ValidateOwner(kind OwnerKind, id string) error {
	switch kind {
	case OwnerKind_OWNER_KIND_REGULATOR:
		_, err := ParseDivision(id)
		return err
	case OwnerKind_OWNER_KIND_ENTERPRISE:
		return ValidateUSCC(id)
	case OwnerKind_OWNER_KIND_CUSTOMS:
		if id != CustomsID {
			return ErrInvalidField.Wrapf("the customs owner id is %q", CustomsID)
		}
		return nil
	default:
		return ErrInvalidField.Wrapf("owner_kind must be regulator, enterprise or customs")
	}
}

// CustomsID is the owner id of the customs authority's keys.
const CustomsID = "customs"

package types

import (
	"sort"
	"strings"
)

// KindName is the short name of an enterprise kind used by the CLI: "wholesale-market".
func KindName(k EnterpriseKind) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(k.String(), "ENTERPRISE_KIND_")), "_", "-")
}

// ParseEnterpriseKind accepts a short name ("importer", "cold-store", ...).
func ParseEnterpriseKind(s string) (EnterpriseKind, error) {
	for v := range EnterpriseKind_name {
		k := EnterpriseKind(v)
		if k != EnterpriseKind_ENTERPRISE_KIND_UNSPECIFIED && KindName(k) == s {
			return k, nil
		}
	}
	return 0, ErrInvalidField.Wrapf("kind %q is not one of %s", s, strings.Join(KindNames(), ", "))
}

// KindNames lists the short names of every enterprise kind, in enum order.
func KindNames() []string {
	var vals []int
	for v := range EnterpriseKind_name {
		if v != 0 {
			vals = append(vals, int(v))
		}
	}
	sort.Ints(vals)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = KindName(EnterpriseKind(v))
	}
	return out
}

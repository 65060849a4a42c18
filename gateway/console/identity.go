package console

import (
	"context"
	"net/http"
	"strings"
)

// Role is what a signed-in party may do in the console.
type Role int

const (
	// RoleOperator signed in with the gateway operator's token: the
	// configured jurisdiction (the root regulator's by default), for the
	// machine the gateway runs on and its scripts.
	RoleOperator Role = iota + 1
	// RoleRegulator signed in with a key the chain registers for a
	// regulator: that regulator's division and those below it.
	RoleRegulator
	// RoleOfficer signed in with a key a regulator delegated viewing to:
	// the regulator's jurisdiction, view-only.
	RoleOfficer
)

func (r Role) String() string {
	switch r {
	case RoleOperator:
		return "operator"
	case RoleRegulator:
		return "regulator"
	case RoleOfficer:
		return "officer"
	}
	return "none"
}

// Identity is who a console session or request acts as, and where.
type Identity struct {
	Role Role
	// Prefix is the jurisdiction: a division prefix (33, 3301, 330106).
	Prefix string
	// Division is the regulator's own six-digit division ("" for the operator).
	Division string
	// Key is the signing key, hex ("" for the operator).
	Key string
	// Expires is an officer's delegation end (YYYY-MM-DD).
	Expires string
	// Vouching is the regulator key a session stands on, hex: the
	// regulator's own, or the one that signed an officer's delegation.
	// The console checks it on chain again every recheckEvery.
	Vouching string
}

// In reports whether a division lies in the jurisdiction.
func (id Identity) In(div string) bool {
	return id.Prefix != "" && len(div) == 6 && strings.HasPrefix(div, id.Prefix)
}

// ViewOnly reports whether the identity may only look.
func (id Identity) ViewOnly() bool { return id.Role == RoleOfficer }

type identityKey struct{}

func withIdentity(r *http.Request, id Identity) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), identityKey{}, id))
}

// who is the identity a request was authorized as.
func who(r *http.Request) Identity {
	id, _ := r.Context().Value(identityKey{}).(Identity)
	return id
}

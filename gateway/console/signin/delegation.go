package signin

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// delegationTag starts the bytes a regulator signs to delegate viewing: no
// transaction's or sign-in's sign bytes start with it, so a delegation
// signature is good for nothing else.
const delegationTag = "coldtrace console delegation v1"

// maxDelegationBytes bounds a delegation statement (a file or a link part).
const maxDelegationBytes = 2048

// Delegation is a regulator's signed statement that an officer's key may
// view the console in the regulator's jurisdiction until a date. It is not
// on chain: the gateway checks the regulator's signature and, on the chain
// with proofs, that the signing key is registered to that regulator, active
// and not revoked. Revoking that key on chain ends every delegation it
// signed; otherwise a delegation ends at its date.
type Delegation struct {
	ChainID      string `json:"chain_id"`
	Regulator    string `json:"regulator"`     // six-digit division
	RegulatorKey string `json:"regulator_key"` // ed25519, hex
	OfficerKey   string `json:"officer_key"`   // ed25519, hex
	Expires      string `json:"expires"`       // YYYY-MM-DD: the last day it is good for (China's date)
	Signature    string `json:"signature"`     // by RegulatorKey over SignBytes, hex
}

// SignBytes are what the regulator signs: the tag and every field but the
// signature, one a line (no field may hold a line break: each is checked).
func (d *Delegation) SignBytes() []byte {
	return []byte(strings.Join([]string{delegationTag, d.ChainID, d.Regulator, d.RegulatorKey, d.OfficerKey, d.Expires}, "\n"))
}

// NewDelegation makes and signs a delegation with the regulator's key.
func NewDelegation(chainID, regulator string, regKey ed25519.PrivateKey, officer ed25519.PublicKey, expires string) (*Delegation, error) {
	d := &Delegation{ChainID: chainID, Regulator: regulator, RegulatorKey: hex.EncodeToString(regKey.Public().(ed25519.PublicKey)),
		OfficerKey: hex.EncodeToString(officer), Expires: expires}
	if err := d.checkFields(); err != nil {
		return nil, err
	}
	d.Signature = hex.EncodeToString(ed25519.Sign(regKey, d.SignBytes()))
	return d, nil
}

// ParseDelegation reads a delegation statement (JSON, as `coldtrace console
// officer add` writes it) and checks its shape and signature. Whether its
// key belongs to its regulator, and its date, are checked at sign-in.
func ParseDelegation(b []byte) (*Delegation, error) {
	if len(b) > maxDelegationBytes {
		return nil, fmt.Errorf("a delegation has at most %d bytes", maxDelegationBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	d := &Delegation{}
	if err := dec.Decode(d); err != nil {
		return nil, fmt.Errorf("a delegation is a JSON object with chain_id, regulator, regulator_key, officer_key, expires and signature: %v", err)
	}
	if dec.More() {
		return nil, errors.New("a delegation holds one JSON object")
	}
	if err := d.checkFields(); err != nil {
		return nil, err
	}
	sig, err := hex.DecodeString(d.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize || strings.ToLower(d.Signature) != d.Signature {
		return nil, errors.New("the delegation's signature is not 64 bytes of lower-case hex")
	}
	key, _ := hex.DecodeString(d.RegulatorKey)
	if !ed25519.Verify(ed25519.PublicKey(key), d.SignBytes(), sig) {
		return nil, errors.New("the delegation's signature does not match its regulator key")
	}
	return d, nil
}

// DecodeDelegation reads a delegation as a sign-in link carries it
// (base64url of its JSON).
func DecodeDelegation(s string) (*Delegation, error) {
	if len(s) > base64.RawURLEncoding.EncodedLen(maxDelegationBytes) {
		return nil, fmt.Errorf("a delegation has at most %d bytes", maxDelegationBytes)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("the delegation in the link is not base64url")
	}
	return ParseDelegation(b)
}

// Encode is the delegation as a sign-in link carries it.
func (d *Delegation) Encode() string {
	b, _ := json.Marshal(d)
	return base64.RawURLEncoding.EncodeToString(b)
}

// JSON is the delegation as a file holds it.
func (d *Delegation) JSON() []byte {
	b, _ := json.MarshalIndent(d, "", "  ")
	return append(b, '\n')
}

func (d *Delegation) checkFields() error {
	if d.ChainID == "" || len(d.ChainID) > 50 || strings.ContainsAny(d.ChainID, "\n\r") {
		return errors.New("the delegation's chain_id is empty, too long or holds a line break")
	}
	if _, err := types.ParseDivision(d.Regulator); err != nil {
		return fmt.Errorf("the delegation's regulator: %v", err)
	}
	for name, k := range map[string]string{"regulator_key": d.RegulatorKey, "officer_key": d.OfficerKey} {
		if b, err := hex.DecodeString(k); err != nil || len(b) != ed25519.PublicKeySize || strings.ToLower(k) != k {
			return fmt.Errorf("the delegation's %s is not an ed25519 public key in lower-case hex (64 characters)", name)
		}
	}
	if d.RegulatorKey == d.OfficerKey {
		return errors.New("the delegation names the regulator's own key as the officer's: a regulator signs in with its key directly")
	}
	t, err := time.Parse(time.DateOnly, d.Expires)
	if err != nil || t.Format(time.DateOnly) != d.Expires {
		return errors.New("the delegation's expires is not a date YYYY-MM-DD")
	}
	return nil
}

// Expired reports whether the delegation's last day is before today (China's).
func (d *Delegation) Expired(now time.Time) bool {
	t, err := time.Parse(time.DateOnly, d.Expires)
	return err != nil || t.Before(types.RulesOf(0).Date(now))
}

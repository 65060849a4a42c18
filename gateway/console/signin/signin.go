package signin

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// signInTag starts the bytes a key signs to sign in: no transaction's or
// delegation's sign bytes start with it, so the signature is good for
// nothing but this one sign-in on this chain.
const signInTag = "coldtrace console sign-in v1"

const (
	// ChallengeBytes is the size of a challenge (random).
	ChallengeBytes = 32
	// ChallengeTTL is how long a challenge may be signed and used: once.
	ChallengeTTL = 2 * time.Minute
)

// SignInBytes are what a key signs to sign in with a challenge.
func SignInBytes(chainID, challenge string) []byte {
	return []byte(signInTag + "\n" + chainID + "\n" + challenge)
}

// Challenge is the gateway's answer to GET /console/challenge.
type Challenge struct {
	Challenge string    `json:"challenge"` // base64url, 32 random bytes
	ChainID   string    `json:"chain_id"`
	Expires   time.Time `json:"expires"`
	// SignIn is the path of the sign-in link, relative to the console.
	SignIn string `json:"sign_in"`
}

// SignIn is a sign-in link's content: the challenge, the key that signed
// it and its signature, an officer's delegation, and where to go next.
type SignIn struct {
	Challenge  string
	Key        ed25519.PublicKey
	Signature  []byte
	Delegation *Delegation
	Next       string
}

// Link is the sign-in link on the console at base (http://host:port).
func (s *SignIn) Link(base string) string {
	q := url.Values{"c": {s.Challenge}, "k": {hex.EncodeToString(s.Key)}, "s": {hex.EncodeToString(s.Signature)}}
	if s.Delegation != nil {
		q.Set("d", s.Delegation.Encode())
	}
	if s.Next != "" {
		q.Set("next", s.Next)
	}
	return strings.TrimRight(base, "/") + "/console/signin?" + q.Encode()
}

// Sign answers a challenge with a private key (and, for an officer, the
// delegation that vouches for it).
func Sign(ch Challenge, key ed25519.PrivateKey, d *Delegation) *SignIn {
	return &SignIn{Challenge: ch.Challenge, Key: key.Public().(ed25519.PublicKey), Signature: ed25519.Sign(key, SignInBytes(ch.ChainID, ch.Challenge)), Delegation: d}
}

// ParseSignIn reads a sign-in link's query. It checks shapes only: the
// signature, the challenge and the keys are checked against the gateway's
// challenges and the chain at sign-in.
func ParseSignIn(q url.Values) (*SignIn, error) {
	for k, v := range q {
		switch k {
		case "c", "k", "s", "d", "next", "lang":
		default:
			return nil, fmt.Errorf("the sign-in link has an unknown part %q", clipText(k))
		}
		if len(v) != 1 {
			return nil, fmt.Errorf("the sign-in link gives %q %d times", k, len(v))
		}
	}
	si := &SignIn{Challenge: q.Get("c")}
	if b, err := base64.RawURLEncoding.DecodeString(si.Challenge); err != nil || len(b) != ChallengeBytes {
		return nil, errors.New("the sign-in link's challenge (c) is not one the gateway issues: ask for a new link")
	}
	k, err := hex.DecodeString(q.Get("k"))
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, errors.New("the sign-in link's key (k) is not an ed25519 public key in hex")
	}
	si.Key = ed25519.PublicKey(k)
	if si.Signature, err = hex.DecodeString(q.Get("s")); err != nil || len(si.Signature) != ed25519.SignatureSize {
		return nil, errors.New("the sign-in link's signature (s) is not 64 bytes in hex")
	}
	if d := q.Get("d"); d != "" {
		if si.Delegation, err = DecodeDelegation(d); err != nil {
			return nil, err
		}
	}
	si.Next = SafeNext(q.Get("next"))
	return si, nil
}

// SafeNext keeps a console path to go to after sign-in; anything else
// (another site, a path outside the console) becomes "/console".
func SafeNext(p string) string {
	u, err := url.Parse(p)
	if p == "" || err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(p, "//") || strings.Contains(p, `\`) ||
		!(u.Path == "/console" || strings.HasPrefix(u.Path, "/console/")) || strings.Contains(u.Path, "..") {
		return "/console"
	}
	return u.RequestURI()
}

func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

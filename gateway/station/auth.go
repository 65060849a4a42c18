package station

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// ReadDomain prefixes what a station signs to read its business's data, so
// that such a signature can never pass for a tx's (types.SignDomain).
const ReadDomain = "coldtrace/station-read/v1\x00"

// readWindow is how far a signed read's time may be from the gateway's.
const readWindow = 5 * time.Minute

// ReadSignBytes is what a station signs for a read of requestURI (path and
// query) at unix milliseconds ms.
func ReadSignBytes(ms int64, requestURI string) []byte {
	return []byte(ReadDomain + strconv.FormatInt(ms, 10) + "\n" + requestURI)
}

// ReadAuth builds the X-Station-Auth header value (tests, Go clients).
func ReadAuth(key ed25519.PrivateKey, now time.Time, requestURI string) string {
	ms := now.UnixMilli()
	sig := ed25519.Sign(key, ReadSignBytes(ms, requestURI))
	return hex.EncodeToString(key.Public().(ed25519.PublicKey)) + "." + strconv.FormatInt(ms, 10) + "." + hex.EncodeToString(sig)
}

// parseReadAuth checks the header's form, time and signature and returns
// the key; whose key it is, the chain says (signer).
func parseReadAuth(h string, now time.Time, requestURI string) (ed25519.PublicKey, error) {
	parts := strings.Split(h, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("X-Station-Auth is KEY.UNIXMS.SIGNATURE (hex, decimal, hex)")
	}
	pub, err := hex.DecodeString(parts[0])
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("X-Station-Auth: the key is 64 hex characters")
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("X-Station-Auth: the time is Unix milliseconds")
	}
	if d := now.Sub(time.UnixMilli(ms)); d > readWindow || d < -readWindow {
		return nil, fmt.Errorf("X-Station-Auth: the request was signed at %s, more than 5 minutes from the gateway's clock; set the phone's clock", time.UnixMilli(ms).UTC().Format(time.RFC3339))
	}
	sig, err := hex.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, ReadSignBytes(ms, requestURI), sig) {
		return nil, fmt.Errorf("X-Station-Auth: the signature does not verify for this request")
	}
	return pub, nil
}

// signer is who signed a read: the key's account, verified from the chain.
func (s *Station) signer(ctx context.Context, r *http.Request) (*types.Account, *failure) {
	pub, err := parseReadAuth(r.Header.Get("X-Station-Auth"), s.cfg.Now(), r.URL.RequestURI())
	if err != nil {
		return nil, &failure{Status: http.StatusUnauthorized, Kind: "unauthorized", Detail: err.Error()}
	}
	acct := &types.Account{}
	v, err := s.cfg.Verifier.Query(ctx, fmt.Sprintf("/registry/account/%x", []byte(pub)), acct)
	if err != nil {
		f := classify(v, err)
		if f.Status == http.StatusNotFound {
			return nil, &failure{Status: http.StatusForbidden, Kind: "not_enrolled", Detail: "this device's key is not registered yet: an enrolled key of the enterprise adds it with `coldtrace tx registry add-key`"}
		}
		return nil, f
	}
	if acct.Revoked {
		return nil, &failure{Status: http.StatusForbidden, Kind: "revoked", Detail: "this device's key was revoked; enrol the device again with a new key"}
	}
	return acct, nil
}

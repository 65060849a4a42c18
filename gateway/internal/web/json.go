package web

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/client"
)

// apiError is the body of every API error.
type apiError struct {
	Error struct {
		Status  int    `json:"status"`
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

// WriteAPIError writes a failure as the API's JSON error.
func WriteAPIError(w http.ResponseWriter, f *Failure) {
	var e apiError
	e.Error.Status, e.Error.Kind, e.Error.Message = f.Status, f.Kind, f.Detail
	if f.Kind == "not_found" && f.Detail == "" {
		e.Error.Message = "not recorded"
	}
	WriteJSON(w, f.Status, e)
}

// WriteJSON writes v as indented JSON, never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// APIVerified says what an answer was verified against.
type APIVerified struct {
	Height     int64     `json:"height"`
	AppHash    string    `json:"app_hash"`
	HeaderTime time.Time `json:"header_time"`
	ChainID    string    `json:"chain_id"`
	Validators int       `json:"validators"`
}

// VerifiedJSON describes a verified answer for the API.
func VerifiedJSON(v *client.Verified) APIVerified {
	if v == nil {
		return APIVerified{}
	}
	n, _ := v.Validators()
	return APIVerified{Height: v.Height, AppHash: strings.ToUpper(hex.EncodeToString(v.AppHash)), HeaderTime: v.Header.Time.UTC(),
		ChainID: v.Header.ChainID, Validators: n}
}

// Report is a consumer's report about a product. It is kept by the
// gateway's operator for the regulator, never put on chain, and names no
// reporter: no IP address, account or contact is stored.
type Report struct {
	ID       int64     `json:"id"`
	Time     time.Time `json:"time"`
	Code     string    `json:"code"`
	Category string    `json:"category"`
	Text     string    `json:"text"`
	Lang     string    `json:"lang"`
}

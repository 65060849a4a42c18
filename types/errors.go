package types

import (
	"errors"
	"fmt"
	"sort"
)

// Codespace is the ABCI codespace of every coldtrace refusal.
const Codespace = "coldtrace"

// Error is a stable, documented refusal: a numeric code that clients may
// switch on and a short name. Code 0 is reserved for OK.
type Error struct {
	Code uint32
	Name string
	Desc string
}

func (e *Error) Error() string { return e.Name }

// Wrapf returns an error that keeps e's code and adds a message a person can act on.
func (e *Error) Wrapf(format string, args ...any) error {
	return &codedError{code: e, msg: fmt.Sprintf(format, args...)}
}

type codedError struct {
	code *Error
	msg  string
}

func (w *codedError) Error() string { return w.code.Name + ": " + w.msg }
func (w *codedError) Unwrap() error { return w.code }

var registered = map[uint32]*Error{}

func register(code uint32, name, desc string) *Error {
	if code == 0 {
		panic("types: error code 0 is reserved for OK")
	}
	if prev, ok := registered[code]; ok {
		panic(fmt.Sprintf("types: error code %d registered twice (%s, %s)", code, prev.Name, name))
	}
	e := &Error{Code: code, Name: name, Desc: desc}
	registered[code] = e
	return e
}

// Errors returns every registered error, ordered by code.
func Errors() []*Error {
	out := make([]*Error, 0, len(registered))
	for _, e := range registered {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// CodeOf returns the code of err (0 for nil) and the text to show a person.
// An error without a registered code is reported as ErrInternal.
func CodeOf(err error) (uint32, string) {
	if err == nil {
		return 0, ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code, err.Error()
	}
	return ErrInternal.Code, ErrInternal.Name + ": " + err.Error()
}

// ErrorByCode returns the registered error with the given code, or nil.
func ErrorByCode(code uint32) *Error { return registered[code] }

var (
	// ErrInternal is returned when the node itself failed (storage, encoding); it is a bug, not bad input.
	ErrInternal = register(1, "internal", "the node failed to process the request; report it with the node's log")
	// ErrTxTooLarge is returned when a tx exceeds the chain's max_tx_bytes; it is refused before decoding.
	ErrTxTooLarge = register(2, "tx too large", "the tx exceeds the chain's max_tx_bytes; split its messages over several txs")
	// ErrTxDecode is returned when the tx or its body is not valid protobuf of the expected shape.
	ErrTxDecode = register(3, "tx decode", "the bytes are not a coldtrace Tx; build txs with the coldtrace client")
	// ErrBadSignature is returned when the signature does not verify against the signer's key and the sign bytes.
	ErrBadSignature = register(4, "bad signature", "the signature does not match the body and the signer key")
	// ErrWrongChainID is returned when the body names another chain than this one.
	ErrWrongChainID = register(5, "wrong chain id", "the tx was signed for another chain; sign again with this chain's id")
	// ErrBadSequence is returned when the body's sequence is not the signer's next sequence (replayed or skipped).
	ErrBadSequence = register(6, "bad sequence", "query the account's next sequence and sign again")
	// ErrUnknownSigner is returned when the signer key is not registered to any regulator or enterprise.
	ErrUnknownSigner = register(7, "unknown signer", "the key is not registered; ask a regulator to add it")
	// ErrKeyRevoked is returned when the signer key, or a key being added, has been revoked.
	ErrKeyRevoked = register(8, "key revoked", "the key has been revoked for good; use another key of the owner")
	// ErrSignerSuspended is returned when the signer's regulator or enterprise is suspended.
	ErrSignerSuspended = register(9, "signer suspended", "the owner of the key is suspended; its regulator can reinstate it")
	// ErrNoMessages is returned for a tx whose body carries no message.
	ErrNoMessages = register(10, "no messages", "a tx must carry at least one message")
	// ErrTooManyMessages is returned when a tx carries more messages than max_msgs_per_tx.
	ErrTooManyMessages = register(11, "too many messages", "split the messages over several txs")
	// ErrUnknownMessage is returned for a message case this node has no handler for.
	ErrUnknownMessage = register(12, "unknown message", "the message type is not known to this node; upgrade the client or the node")
	// ErrInvalidField is returned when a message field is missing or malformed (names, reasons, kinds).
	ErrInvalidField = register(13, "invalid field", "fix the named field and sign again")
	// ErrInvalidDivision is returned for a division code that is not a GB/T 2260 six-digit code.
	ErrInvalidDivision = register(14, "invalid division", "use a six-digit GB/T 2260 code such as 330000, 330100 or 330106")
	// ErrInvalidUSCC is returned for a unified social credit code of the wrong length, alphabet or check character.
	ErrInvalidUSCC = register(15, "invalid uscc", "use the enterprise's 18-character unified social credit code as printed on its licence")
	// ErrInvalidKey is returned for a public key that is neither 32 bytes of ed25519 nor (from rules v3) an SM2 point.
	ErrInvalidKey = register(16, "invalid key", "keys are 32-byte ed25519 public keys (64 hex characters) or, from rules v3, 65-byte uncompressed SM2 keys (130 hex characters)")
	// ErrUnauthorized is returned when the signer's role may not send this message at all.
	ErrUnauthorized = register(17, "unauthorized", "this message must be signed by another party; see docs/ERRORS.md")
	// ErrOutOfJurisdiction is returned when a regulator acts outside its division prefix.
	ErrOutOfJurisdiction = register(18, "out of jurisdiction", "the target lies outside the signing regulator's jurisdiction; ask a regulator above it")
	// ErrAlreadyExists is returned when registering a regulator, enterprise or key that is already registered.
	ErrAlreadyExists = register(19, "already exists", "it is already registered; query it instead")
	// ErrNotFound is returned when a message or query names a record that does not exist.
	ErrNotFound = register(20, "not found", "check the identifier; nothing is recorded under it")
	// ErrInvalidState is returned when a transition does not apply to the record's current status (e.g. suspending a suspended enterprise).
	ErrInvalidState = register(21, "invalid state", "query the record's current status first")
	// ErrLastKey is returned when revoking the last active key of an owner, which would lock it out.
	ErrLastKey = register(22, "last key", "add a new key before revoking the last one")
	// ErrTooManyKeys is returned when an owner would exceed max_keys_per_owner.
	ErrTooManyKeys = register(23, "too many keys", "revoke an unused key first")
	// ErrUnknownQuery is returned for a query path this node does not serve.
	ErrUnknownQuery = register(24, "unknown query", "see docs/ARCHITECTURE.md for the query paths")
	// ErrBadQuery is returned for a query whose arguments are malformed.
	ErrBadQuery = register(25, "bad query", "fix the query arguments")
	// ErrHeightUnavailable is returned when a query asks for a height that is not stored (future or pruned).
	ErrHeightUnavailable = register(26, "height unavailable", "query a height between the oldest kept version and the latest")
	// ErrInvalidCode is returned when a traceability code is not a valid GS1 Digital Link URI, GS1 element string or coldtrace native code (check digits included).
	ErrInvalidCode = register(27, "invalid code", "use the code printed on the label: https://host/01/{GTIN}/10/{batch}/21/{serial}, (01)…(10)…(21)…, /00/{SSCC} or a native CT- code")
	// ErrCodeExists is returned when a code being commissioned, split or aggregated into is already on the chain.
	ErrCodeExists = register(28, "code exists", "a code is commissioned once; query it, or use another serial")
	// ErrInsufficientQuantity is returned when the signer holds less of a code than it tries to dispatch, sell, split or aggregate.
	ErrInsufficientQuantity = register(29, "insufficient quantity", "query the code's holdings; only what the signer holds can move")
	// ErrBatchConflict is returned when a commission names an existing batch with other product facts, or a code whose batch differs.
	ErrBatchConflict = register(30, "batch conflict", "omit the facts to add codes to an existing batch, or use the batch printed on the code")
	// ErrNotBuyer is returned when a consignment is received by an enterprise other than the buyer its dispatch named.
	ErrNotBuyer = register(31, "not buyer", "only the named buyer receives a consignment; the sender can dispatch again to another buyer after a correction")
	// ErrConsignmentClosed is returned when the consignment was already received.
	ErrConsignmentClosed = register(32, "consignment closed", "query the consignment; it is received once")
	// ErrInvalidQuantity is returned when a quantity is zero, exceeds what was dispatched, or children do not add up.
	ErrInvalidQuantity = register(33, "invalid quantity", "quantities are positive integers in the code's unit (grams or pieces); received ≤ dispatched")
	// ErrCounterparty is returned when the buyer, carrier or business customer named is not a registered, active enterprise (or is the signer itself).
	ErrCounterparty = register(34, "counterparty", "name a registered, active enterprise by its USCC")
	// ErrLogisticUnit is returned when the operation does not apply to a logistic unit (SSCC), or a unit is not held by the signer or not empty as required.
	ErrLogisticUnit = register(35, "logistic unit", "disaggregate the unit first, or act on the unit itself")
	// ErrNotMovable is returned when the goods are held, recalled, destroyed or expired and cannot move.
	ErrNotMovable = register(36, "not movable", "query the code's status; a regulator releases held goods")
	// ErrReleaseRequired is returned when supervised imported goods move before a supervision warehouse released them.
	ErrReleaseRequired = register(37, "release required", "dispatch them to a supervision warehouse; it releases them after inspection, testing and disinfection")
	// ErrReleaseRefused is returned when a release lacks one of the four conditions: inspection and quarantine certificate, negative nucleic-acid test, disinfection certificate, complete traceability facts.
	ErrReleaseRefused = register(38, "release refused", "record the missing certificate or test first; the message names what is missing")
	// ErrDeclarationMismatch is returned when a commission does not match the customs declaration it cites (missing, other origin or unit, or more than declared).
	ErrDeclarationMismatch = register(39, "declaration mismatch", "cite the declaration recorded by customs; commission at most its declared quantity")
	// ErrNotCanonical is returned (from rules v2) when the tx or its body is valid protobuf but not the deterministic encoding of what it decodes to.
	ErrNotCanonical = register(40, "not canonical", "encode the Tx and TxBody deterministically (fields in order, once each, minimal varints), as the coldtrace client does")
	// ErrUpgrade is returned (from rules v2) when an upgrade cannot be scheduled: a version not above the one in force or scheduled, or a height not in the future.
	ErrUpgrade = register(41, "upgrade refused", "name a rules version above the one in force and a height after the current one")
	// ErrEventTime is returned (from rules v3) when a tx's signed event time is after its block or older than params.max_event_age_seconds.
	ErrEventTime = register(42, "event time out of window", "an offline scan must reach the chain within the window (params.max_event_age_seconds, 7 days by default) and cannot be dated after its block; sign it again with the time it happened")
	// ErrPersonalData is returned (from rules v3) when a text field holds what looks like a person's identity number.
	ErrPersonalData = register(43, "personal data", "the chain records businesses and goods, never people: remove the identity number (staff tests are counts; buyers are businesses)")
	// ErrLicenceExpired is returned (from rules v3) when an enterprise whose food business licence has expired moves goods.
	ErrLicenceExpired = register(44, "licence expired", "the enterprise's food business licence has expired; record the renewed licence (tx registry renew-licence) and try again")
)

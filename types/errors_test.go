package types_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

func TestErrorsRegistry(t *testing.T) {
	all := types.Errors()
	if len(all) < 26 {
		t.Fatalf("only %d registered errors", len(all))
	}
	codes := map[uint32]string{}
	names := map[string]uint32{}
	var prev uint32
	for _, e := range all {
		t.Run(fmt.Sprintf("%d %s", e.Code, e.Name), func(t *testing.T) {
			if e.Code == 0 {
				t.Fatal("code 0 is reserved for OK")
			}
			if e.Code <= prev {
				t.Fatalf("Errors() not ordered by code: %d after %d", e.Code, prev)
			}
			if other, dup := codes[e.Code]; dup {
				t.Fatalf("code %d used by %q and %q", e.Code, other, e.Name)
			}
			if other, dup := names[e.Name]; dup {
				t.Fatalf("name %q used by codes %d and %d", e.Name, other, e.Code)
			}
			if strings.TrimSpace(e.Name) == "" || strings.TrimSpace(e.Desc) == "" {
				t.Fatalf("code %d has an empty name or description", e.Code)
			}
			if e.Error() != e.Name {
				t.Fatalf("Error() = %q, want %q", e.Error(), e.Name)
			}
			if got := types.ErrorByCode(e.Code); got != e {
				t.Fatalf("ErrorByCode(%d) = %v", e.Code, got)
			}
		})
		codes[e.Code] = e.Name
		names[e.Name] = e.Code
		prev = e.Code
	}
	if types.ErrorByCode(0) != nil {
		t.Fatal("ErrorByCode(0) is not nil")
	}
	// Codes are dense from 1: a gap would mean a removed (and maybe reused) code.
	if last := all[len(all)-1].Code; int(last) != len(all) {
		t.Fatalf("codes run 1..%d but %d are registered", last, len(all))
	}
}

// TestErrorCodesAreStable pins the numbers clients switch on.
func TestErrorCodesAreStable(t *testing.T) {
	cases := []struct {
		err  *types.Error
		code uint32
		name string
	}{
		{types.ErrInternal, 1, "internal"},
		{types.ErrTxTooLarge, 2, "tx too large"},
		{types.ErrTxDecode, 3, "tx decode"},
		{types.ErrBadSignature, 4, "bad signature"},
		{types.ErrWrongChainID, 5, "wrong chain id"},
		{types.ErrBadSequence, 6, "bad sequence"},
		{types.ErrUnknownSigner, 7, "unknown signer"},
		{types.ErrKeyRevoked, 8, "key revoked"},
		{types.ErrSignerSuspended, 9, "signer suspended"},
		{types.ErrNoMessages, 10, "no messages"},
		{types.ErrTooManyMessages, 11, "too many messages"},
		{types.ErrUnknownMessage, 12, "unknown message"},
		{types.ErrInvalidField, 13, "invalid field"},
		{types.ErrInvalidDivision, 14, "invalid division"},
		{types.ErrInvalidUSCC, 15, "invalid uscc"},
		{types.ErrInvalidKey, 16, "invalid key"},
		{types.ErrUnauthorized, 17, "unauthorized"},
		{types.ErrOutOfJurisdiction, 18, "out of jurisdiction"},
		{types.ErrAlreadyExists, 19, "already exists"},
		{types.ErrNotFound, 20, "not found"},
		{types.ErrInvalidState, 21, "invalid state"},
		{types.ErrLastKey, 22, "last key"},
		{types.ErrTooManyKeys, 23, "too many keys"},
		{types.ErrUnknownQuery, 24, "unknown query"},
		{types.ErrBadQuery, 25, "bad query"},
		{types.ErrHeightUnavailable, 26, "height unavailable"},
		{types.ErrInvalidCode, 27, "invalid code"},
		{types.ErrCodeExists, 28, "code exists"},
		{types.ErrInsufficientQuantity, 29, "insufficient quantity"},
		{types.ErrBatchConflict, 30, "batch conflict"},
		{types.ErrNotBuyer, 31, "not buyer"},
		{types.ErrConsignmentClosed, 32, "consignment closed"},
		{types.ErrInvalidQuantity, 33, "invalid quantity"},
		{types.ErrCounterparty, 34, "counterparty"},
		{types.ErrLogisticUnit, 35, "logistic unit"},
		{types.ErrNotMovable, 36, "not movable"},
		{types.ErrReleaseRequired, 37, "release required"},
		{types.ErrReleaseRefused, 38, "release refused"},
		{types.ErrDeclarationMismatch, 39, "declaration mismatch"},
		{types.ErrNotCanonical, 40, "not canonical"},
		{types.ErrUpgrade, 41, "upgrade refused"},
		{types.ErrEventTime, 42, "event time out of window"},
		{types.ErrPersonalData, 43, "personal data"},
		{types.ErrLicenceExpired, 44, "licence expired"},
	}
	if len(cases) != len(types.Errors()) {
		t.Fatalf("%d pinned codes, %d registered: pin the new code here and document it in docs/ERRORS.md", len(cases), len(types.Errors()))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err.Code != tc.code || tc.err.Name != tc.name {
				t.Fatalf("got %d %q, want %d %q", tc.err.Code, tc.err.Name, tc.code, tc.name)
			}
		})
	}
}

func TestCodeOf(t *testing.T) {
	plain := errors.New("disk on fire")
	cases := []struct {
		name     string
		err      error
		code     uint32
		text     string // exact text, when set
		prefix   string // text prefix, when set
		contains string
	}{
		{name: "nil is OK", err: nil, code: 0, text: ""},
		{name: "bare error", err: types.ErrNotFound, code: types.ErrNotFound.Code, text: "not found"},
		{
			name: "wrapped", err: types.ErrInvalidUSCC.Wrapf("%q has %d characters", "123", 3),
			code: types.ErrInvalidUSCC.Code, text: `invalid uscc: "123" has 3 characters`,
		},
		{
			name: "wrapped again with fmt %w", err: fmt.Errorf("handler: %w", types.ErrLastKey.Wrapf("owner %s", "330100")),
			code: types.ErrLastKey.Code, prefix: "handler: ", contains: "last key: owner 330100",
		},
		{
			name: "coded error wrapping another coded error keeps the outer code",
			err:  types.ErrOutOfJurisdiction.Wrapf("message 1: %v", types.ErrNotFound.Wrapf("x")),
			code: types.ErrOutOfJurisdiction.Code, prefix: "out of jurisdiction: message 1: ",
		},
		{name: "plain error is internal", err: plain, code: types.ErrInternal.Code, text: "internal: disk on fire"},
		{name: "wrapped plain error is internal", err: fmt.Errorf("save: %w", plain), code: types.ErrInternal.Code, text: "internal: save: disk on fire"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, text := types.CodeOf(tc.err)
			if code != tc.code {
				t.Fatalf("code = %d, want %d", code, tc.code)
			}
			if tc.err == nil || tc.text != "" {
				if text != tc.text {
					t.Fatalf("text = %q, want %q", text, tc.text)
				}
			}
			if !strings.HasPrefix(text, tc.prefix) {
				t.Fatalf("text %q does not start with %q", text, tc.prefix)
			}
			if !strings.Contains(text, tc.contains) {
				t.Fatalf("text %q does not contain %q", text, tc.contains)
			}
		})
	}
}

// TestWrapfEveryError: every registered error keeps its code through Wrapf,
// errors.Is matches it and no other, and the text starts with the name.
func TestWrapfEveryError(t *testing.T) {
	all := types.Errors()
	for _, e := range all {
		t.Run(e.Name, func(t *testing.T) {
			err := e.Wrapf("detail %d", 42)
			code, text := types.CodeOf(err)
			if code != e.Code {
				t.Fatalf("CodeOf = %d, want %d", code, e.Code)
			}
			if want := e.Name + ": detail 42"; text != want || err.Error() != want {
				t.Fatalf("text = %q, Error() = %q, want %q", text, err.Error(), want)
			}
			for _, other := range all {
				if got := errors.Is(err, other); got != (other == e) {
					t.Fatalf("errors.Is(%q, %q) = %v", err, other.Name, got)
				}
			}
			var target *types.Error
			if !errors.As(err, &target) || target != e {
				t.Fatalf("errors.As gives %v, want %v", target, e)
			}
		})
	}
}

// TestErrorsDocumented checks that docs/ERRORS.md has one table row per code,
// naming the error, and no row for a code that is not registered.
func TestErrorsDocumented(t *testing.T) {
	path := filepath.Join("..", "docs", "ERRORS.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	doc := string(raw)
	if !strings.Contains(doc, "`"+types.Codespace+"`") {
		t.Errorf("%s does not name the codespace %q", path, types.Codespace)
	}
	rows := map[uint32]string{}
	rowRE := regexp.MustCompile(`^\| (\d+) \|`)
	for _, line := range strings.Split(doc, "\n") {
		m := rowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, err := strconv.ParseUint(m[1], 10, 32)
		if err != nil {
			t.Fatalf("row %q: %v", line, err)
		}
		if _, dup := rows[uint32(n)]; dup {
			t.Errorf("code %d has two rows", n)
		}
		rows[uint32(n)] = line
	}
	for _, e := range types.Errors() {
		t.Run(e.Name, func(t *testing.T) {
			row, ok := rows[e.Code]
			if !ok {
				t.Fatalf("%s has no row starting with \"| %d |\"", path, e.Code)
			}
			if !strings.Contains(row, "`"+e.Name+"`") {
				t.Fatalf("row for code %d does not name %q: %s", e.Code, e.Name, row)
			}
			if cells := strings.Count(row, "|"); cells != 5 {
				t.Fatalf("row for code %d has %d pipes, want 5 (code, name, meaning, what to do): %s", e.Code, cells, row)
			}
		})
	}
	for code := range rows {
		if types.ErrorByCode(code) == nil {
			t.Errorf("%s documents code %d, which is not registered", path, code)
		}
	}
}

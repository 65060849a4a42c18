package signin

import (
	"crypto/ed25519"
	"net/url"
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "/console"},
		{"/console", "/console"},
		{"/console/flows?from=2020-01-01&division=3301", "/console/flows?from=2020-01-01&division=3301"},
		{"/console/../scan", "/console"},
		{"/consoleX", "/console"},
		{"https://evil.example/console", "/console"},
		{"//evil.example/console", "/console"},
		{`/console\..\x`, "/console"},
		{"/", "/console"},
		{"/api/v1/alerts", "/console"},
	} {
		if got := SafeNext(c.in); got != c.want {
			t.Errorf("SafeNext(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLinkRoundTrip(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	d := seedDelegation(t)
	si := Sign(Challenge{Challenge: strings.Repeat("B", 43), ChainID: "c"}, key, d)
	si.Next = "/console/holds"
	u, err := url.Parse(si.Link("http://127.0.0.1:8081/"))
	if err != nil || u.Path != "/console/signin" {
		t.Fatalf("link %v (%v)", u, err)
	}
	got, err := ParseSignIn(u.Query())
	if err != nil {
		t.Fatal(err)
	}
	if got.Challenge != si.Challenge || !got.Key.Equal(si.Key) || string(got.Signature) != string(si.Signature) || *got.Delegation != *d || got.Next != "/console/holds" {
		t.Fatalf("read back %+v", got)
	}
	if !ed25519.Verify(got.Key, SignInBytes("c", got.Challenge), got.Signature) {
		t.Fatal("the signature is not over SignInBytes")
	}
	// Unknown parts are refused, not ignored.
	q := u.Query()
	q.Set("role", "operator")
	if _, err := ParseSignIn(q); err == nil || !strings.Contains(err.Error(), "unknown part") {
		t.Fatalf("an unknown part: %v", err)
	}
}

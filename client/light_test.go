package client

import "testing"

// TestPeerRPC: which announced peer RPC addresses are dialled, and how.
func TestPeerRPC(t *testing.T) {
	for _, tc := range []struct{ announced, remote, want string }{
		{"tcp://127.0.0.1:26657", "127.0.0.1", "http://127.0.0.1:26657"},
		{"tcp://0.0.0.0:26657", "127.0.0.2", "http://127.0.0.2:26657"},
		{"tcp://[::]:26657", "::1", "http://[::1]:26657"},
		{"tcp://0.0.0.0:26657", "not an ip", ""},
		{"https://rpc.example:443", "127.0.0.1", "https://rpc.example:443"},
		{"unix:///var/run/rpc.sock", "127.0.0.1", ""},
		{"tcp://127.0.0.1", "127.0.0.1", ""},
		{"", "127.0.0.1", ""},
		{"::::", "", ""},
	} {
		if got := peerRPC(tc.announced, tc.remote); got != tc.want {
			t.Errorf("peerRPC(%q, %q) = %q, want %q", tc.announced, tc.remote, got, tc.want)
		}
	}
}

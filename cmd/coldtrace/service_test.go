package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// The unit in deploy/ is the one install writes for the defaults.
func TestServiceUnitInDeployIsCurrent(t *testing.T) {
	want, err := renderUnit(unitParams{Home: "/var/lib/coldtrace", User: "coldtrace", Binary: "/usr/local/bin/coldtrace"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../deploy/systemd/coldtrace.service")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("deploy/systemd/coldtrace.service differs from what 'service install' writes; regenerate it:\n  coldtrace service install --home /var/lib/coldtrace --binary /usr/local/bin/coldtrace --dry-run | tail -n +2 > deploy/systemd/coldtrace.service")
	}
}

func TestServiceInstall(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		want    []string // lines the unit or the output must hold
		err     string
		written bool
	}{
		{"dry run", []string{"--dry-run"}, []string{
			"ExecStart=" + bin + " start --home " + home, "User=coldtrace", "ReadWritePaths=" + home,
			"NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "Restart=on-failure",
			"TimeoutStopSec=120", "LimitNOFILE=65536", "ProtectHome=yes",
		}, "", false},
		{"other user", []string{"--user", "ct-node", "--dry-run"}, []string{"User=ct-node", "Group=ct-node"}, "", false},
		{"written", []string{"--name", "ct-test"}, []string{"wrote ", "systemctl daemon-reload", "systemctl enable --now ct-test", "doctor --home " + home}, "", true},
		{"bad user", []string{"--user", "a b", "--dry-run"}, nil, "cannot go into a unit file", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, err := runCmd(t, append([]string{"service", "install", "--home", home, "--unit-dir", dir}, tc.args...)...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w+"\n") && !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			entries, _ := os.ReadDir(dir)
			if tc.written != (len(entries) == 1) {
				t.Fatalf("files in the unit folder: %d, written %v", len(entries), tc.written)
			}
			if tc.written {
				verifyUnit(t, filepath.Join(dir, entries[0].Name()))
			}
		})
	}
}

func TestServiceUnitProtectHome(t *testing.T) {
	for home, want := range map[string]string{
		"/var/lib/coldtrace": "ProtectHome=yes", "/home/ops/.coldtrace": "ProtectHome=read-only",
		"/root/.coldtrace": "ProtectHome=read-only", "/homework": "ProtectHome=yes",
	} {
		u, err := renderUnit(unitParams{Home: home, User: "coldtrace", Binary: "/usr/bin/coldtrace"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(u), "\n"+want+"\n") {
			t.Errorf("home %s: want %s", home, want)
		}
	}
}

// verifyUnit runs systemd-analyze verify where systemd is installed; CI
// machines may have none, so it is required only outside CI.
func verifyUnit(t *testing.T, path string) {
	t.Helper()
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Log("systemd-analyze not installed: unit not verified")
		}
		return
	}
	out, err := exec.Command(tool, "verify", path).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte(filepath.Base(path))) {
		t.Fatalf("systemd-analyze verify %s: %v\n%s", path, err, out)
	}
}

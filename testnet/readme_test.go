package testnet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
)

// readmeStep is one command of the README's walkthrough and the codes the
// prose before its block announces (a refusal there is expected).
type readmeStep struct {
	cmd     string
	section string
	codes   map[string]bool
}

var codeMention = regexp.MustCompile(`codes? ([0-9]+(?:, [0-9]+)*)`)

// readmeSteps reads the commands of README.md between two headings: each
// indented line of a block, continuations joined.
func readmeSteps(t *testing.T, from, to string) []readmeStep {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i, j := strings.Index(text, from), strings.Index(text, to)
	if i < 0 || j < i {
		t.Fatalf("README has no section from %q to %q", from, to)
	}
	var steps []readmeStep
	section, prose := "", ""
	lines := strings.Split(text[i:j], "\n")
	for k := 0; k < len(lines); k++ {
		l := lines[k]
		switch {
		case strings.HasPrefix(l, "## "):
			section, prose = l, ""
		case strings.HasPrefix(l, "    "):
			cmd := strings.TrimSpace(l)
			for strings.HasSuffix(cmd, "\\") && k+1 < len(lines) {
				k++
				cmd = strings.TrimSuffix(cmd, "\\") + " " + strings.TrimSpace(lines[k])
			}
			if cmd == "make run" || strings.HasPrefix(cmd, "Error:") || strings.HasPrefix(cmd, "tcp://") || strings.HasPrefix(cmd, "Pass ") {
				continue
			}
			codes := map[string]bool{}
			for _, m := range codeMention.FindAllStringSubmatch(prose, -1) {
				for _, c := range strings.Split(m[1], ", ") {
					codes[c] = true
				}
			}
			steps = append(steps, readmeStep{cmd: cmd, section: section, codes: codes})
		case strings.TrimSpace(l) == "":
		default:
			if k > 0 && strings.HasPrefix(lines[k-1], "    ") {
				prose = ""
			}
			prose += " " + l
		}
	}
	return steps
}

// readmeNode makes what a reader of the README has: a folder like the
// repository's (./build/coldtrace and docs/) and a node started from a home
// made as `make run` makes it (keyring backend test), here with short blocks.
func readmeNode(t *testing.T) (work, home string) {
	t.Helper()
	bin := sharedBinary(t)
	work = t.TempDir()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(work, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{bin, "build/coldtrace"}, {filepath.Join(repo, "docs"), "docs"}} {
		if err := os.Symlink(l[0], filepath.Join(work, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	home = filepath.Join(t.TempDir(), "home")
	ports := freePorts(t, 2)
	mustCLI(t, bin, home, "init", "--keyring-backend", "test", "--block-time", "200ms",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	startBinary(t, bin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)
	return work, home
}

// TestReadmeWalkthrough: the README's walkthrough works when pasted. Its
// commands, from "The first five minutes" through "Supervise imported
// goods", run in one shell against the real binary on a home made as
// `make run` makes it (keyring backend test), from the repository's folder;
// every command succeeds except the refusals the prose before it announces,
// and those fail with the announced code.
func TestReadmeWalkthrough(t *testing.T) {
	steps := readmeSteps(t, "## The first five minutes", "## Check it yourself")
	if len(steps) < 50 {
		t.Fatalf("only %d commands found in the README's walkthrough", len(steps))
	}
	work, home := readmeNode(t)

	var script strings.Builder
	script.WriteString("set -u\n")
	for i, s := range steps {
		fmt.Fprintf(&script, "echo '@@step %d'\n%s\necho \"@@rc $?\"\n", i, s.cmd)
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "COLDTRACE_HOME="+home, "HOME="+t.TempDir())
	out, _ := cmd.CombinedOutput()

	type result struct {
		out string
		rc  int
	}
	results := map[int]*result{}
	cur := -1
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(l, "@@step "):
			cur, _ = strconv.Atoi(strings.TrimPrefix(l, "@@step "))
			results[cur] = &result{rc: -1}
		case strings.HasPrefix(l, "@@rc ") && cur >= 0:
			results[cur].rc, _ = strconv.Atoi(strings.TrimPrefix(l, "@@rc "))
		case cur >= 0:
			results[cur].out += l + "\n"
		}
	}
	refused := regexp.MustCompile(`with code ([0-9]+)`)
	for i, s := range steps {
		r := results[i]
		if r == nil || r.rc == -1 {
			t.Fatalf("step %d (%s) did not run; the shell printed:\n%s", i, s.cmd, out)
		}
		if r.rc == 0 {
			continue
		}
		m := refused.FindStringSubmatch(r.out)
		if m == nil || !s.codes[m[1]] {
			t.Errorf("%s\n  $ %s\n  exit %d, not a refusal the README announces (it announces codes %v):\n%s", s.section, s.cmd, r.rc, s.codes, r.out)
		}
	}
	if t.Failed() {
		return
	}
	// What the supervision walkthrough shows holds on the node.
	for _, want := range []string{"customs_unverified", "customs_verified", "RC-330100-", "FIGURES OF 330000", "blocked after a positive test"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the walkthrough's output has no %q", want)
		}
	}
}

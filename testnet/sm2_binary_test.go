package testnet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// committedHash is the hash a tx command prints ("tx HASH committed at
// height N: OK").
var committedHash = regexp.MustCompile(`tx ([0-9A-F]{64}) committed at height \d+: OK`)

// TestBinarySM2Keys is an SM2 account key through the real binary on a
// rules v3 chain: `keys add --algo sm2` (encrypted at rest), an enterprise
// registered with it, a commission, a dispatch and a receipt signed with
// SM2 (the committed txs say so in their signed bodies), the account on
// chain, export/import, and the ed25519-only commands refusing it clearly.
func TestBinarySM2Keys(t *testing.T) {
	bin := sharedBinary(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	ports := freePorts(t, 2)
	env := []string{"COLDTRACE_PASSPHRASE=correct horse battery"}
	run := func(args ...string) (string, string, error) {
		out, errOut, err, _ := keysCLI(t, bin, home, env, args...)
		return out, errOut, err
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := run(args...)
		if err != nil {
			t.Fatalf("coldtrace %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	must("init", "--chain-id", "sm2-test", "--block-time", "200ms", "--keyring-backend", "file",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	startBinary(t, bin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)

	var importer client.KeyInfo
	if err := json.Unmarshal([]byte(must("keys", "add", "importer", "--algo", "sm2", "-o", "json")), &importer); err != nil {
		t.Fatal(err)
	}
	pub, err := client.ParsePublicKey(importer.PublicKey)
	if err != nil || importer.Algorithm != "sm2" || len(importer.PublicKey) != 130 || !importer.Encrypted || types.KeyAlgorithmOf(pub) != types.KeyAlgorithm_KEY_ALGORITHM_SM2 {
		t.Fatalf("keys add --algo sm2: %+v (%v)", importer, err)
	}
	raw, err := os.ReadFile(filepath.Join(home, "keyring", "importer.json"))
	if err != nil || !bytes.Contains(raw, []byte(`"algorithm": "sm2"`)) || !bytes.Contains(raw, []byte(`"ciphertext"`)) {
		t.Fatalf("SM2 key file: %s (%v)", raw, err)
	}
	must("keys", "add", "market", "--algo", "sm2")
	list := must("keys", "list")
	if !strings.Contains(list, "importer\t"+importer.PublicKey+"\tsm2\n") || !regexp.MustCompile(`(?m)^regulator\t[0-9a-f]{64}\ted25519$`).MatchString(list) {
		t.Fatalf("keys list:\n%s", list)
	}
	if got := strings.TrimSpace(must("keys", "show", "importer")); got != importer.PublicKey {
		t.Fatalf("keys show: %q", got)
	}
	if _, errOut, err := run("keys", "add", "other", "--algo", "rsa"); err == nil || !strings.Contains(errOut, `"ed25519" or "sm2"`) {
		t.Fatalf("--algo rsa: %v %q", err, errOut)
	}

	const importerUSCC, marketUSCC = "91330106MA2CFX8Q1D", "91330100MA2B5HKW1J"
	must("tx", "registry", "register-enterprise", importerUSCC, "Xihu Seafood Import Co.",
		"--kind", "importer", "--division", "330106", "--key", "importer", "--from", "regulator")
	// A key given as 130 hex characters works as well as a keyring name.
	marketPub := strings.TrimSpace(must("keys", "show", "market"))
	must("tx", "registry", "register-enterprise", marketUSCC, "Hangzhou Aquatic Wholesale Market",
		"--kind", "wholesale-market", "--division", "330100", "--key", marketPub, "--from", "regulator")

	// sm2Signed: the committed tx printed in out was signed by the SM2 key
	// pub, as its signed body records and the chain verified.
	sm2Signed := func(what, out string, pub []byte) {
		t.Helper()
		m := committedHash.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no committed tx in %q", what, out)
		}
		hash, _ := hex.DecodeString(m[1])
		res, err := c.RPC().Tx(context.Background(), hash, false)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var tx types.Tx
		var body types.TxBody
		if err := proto.Unmarshal(res.Tx, &tx); err != nil {
			t.Fatal(err)
		}
		if err := proto.Unmarshal(tx.BodyBytes, &body); err != nil {
			t.Fatal(err)
		}
		if body.KeyAlgorithm != types.KeyAlgorithm_KEY_ALGORITHM_SM2 || !bytes.Equal(body.Signer, pub) || len(tx.Signature) != types.SM2SignatureSize ||
			!types.VerifySignature(types.KeyAlgorithm_KEY_ALGORITHM_SM2, pub, types.SignBytes(tx.BodyBytes), tx.Signature) {
			t.Fatalf("%s: tx signed with %v by %x (signature %d bytes)", what, body.KeyAlgorithm, body.Signer, len(tx.Signature))
		}
	}
	out := must("tx", "trace", "commission", "--file", "../docs/examples/batch.json", "--from", "importer")
	sm2Signed("commission", out, pub)
	const shrimp = "/01/09521234543213/10/B2026-07/21/0001"
	out = must("tx", "trace", "dispatch", marketUSCC, shrimp+"=6000", "--from", "importer")
	sm2Signed("dispatch", out, pub)
	m := regexp.MustCompile(`consignment: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("dispatch printed no consignment:\n%s", out)
	}
	mp, _ := hex.DecodeString(marketPub)
	sm2Signed("receive", must("tx", "trace", "receive", m[1], shrimp+"=6000", "--from", "market"), mp)

	var acct struct {
		Key      string `json:"key"`
		OwnerID  string `json:"owner_id"`
		Sequence string `json:"sequence"`
		Revoked  bool   `json:"revoked"`
	}
	if err := json.Unmarshal([]byte(must("query", "registry", "account", "importer", "-o", "json")), &acct); err != nil {
		t.Fatal(err)
	}
	if acct.Key != importer.PublicKey || acct.OwnerID != importerUSCC || acct.Sequence != "2" || acct.Revoked {
		t.Fatalf("account of the SM2 key: %+v", acct)
	}

	// The enterprise adds a second SM2 key, signing with its first.
	must("keys", "add", "dock3", "--algo", "sm2")
	sm2Signed("add-key", must("tx", "registry", "add-key", importerUSCC, "dock3", "--label", "dock 3", "--from", "importer"), pub)
	if out := must("query", "registry", "account", "dock3", "-o", "json"); !strings.Contains(out, `"owner_id":"`+importerUSCC+`"`) {
		t.Fatalf("account of the added SM2 key: %s", out)
	}

	// export / import carry the SM2 key as itself.
	exportPass := filepath.Join(dir, "export-pass")
	if err := os.WriteFile(exportPass, []byte("another long passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dir, "importer.key")
	must("keys", "export", "importer", "--out", blob, "--export-passphrase-file", exportPass)
	must("keys", "import", "importer2", blob, "--export-passphrase-file", exportPass)
	var imported client.KeyInfo
	if err := json.Unmarshal([]byte(must("keys", "show", "importer2", "-o", "json")), &imported); err != nil || imported.PublicKey != importer.PublicKey || imported.Algorithm != "sm2" {
		t.Fatalf("imported: %+v %v", imported, err)
	}

	// What needs ed25519 says so.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tx", "validator", "set", importer.PublicKey, "10", "--operator", "330000", "--from", "regulator"}, "is an SM2 account key: a validator's consensus key is CometBFT's ed25519 key"},
		{[]string{"console", "officer", "add", "--from", "importer", "--officer-pubkey", "regulator", "--expires", "2099-12-31"}, `key "importer" is an SM2 key and this command signs with ed25519 keys only`},
		{[]string{"console", "officer", "add", "--from", "regulator", "--officer-pubkey", "importer", "--expires", "2099-12-31"}, "console officers sign in with ed25519 keys"},
	} {
		out, errOut, err := run(c.args...)
		if err == nil || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "panic") {
			t.Errorf("coldtrace %s: err %v, want %q in stderr:\n%s%s", strings.Join(c.args, " "), err, c.want, out, errOut)
		}
	}
}

// TestBinarySM2RefusedUnderRulesV2: a chain on rules v2 (a genesis of
// before SM2; init writes the latest rules, so the test sets the genesis'
// rulesVersion to 2 before the first start) refuses an SM2 account key
// with code 16, and still takes ed25519 ones.
func TestBinarySM2RefusedUnderRulesV2(t *testing.T) {
	bin := sharedBinary(t)
	home := filepath.Join(t.TempDir(), "home")
	ports := freePorts(t, 2)
	mustCLI(t, bin, home, "init", "--chain-id", "sm2-v2", "--block-time", "200ms", "--keyring-backend", "test",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	genPath := filepath.Join(home, "config", "genesis.json")
	gen, err := os.ReadFile(genPath)
	if err != nil {
		t.Fatal(err)
	}
	v3 := fmt.Sprintf(`"rulesVersion": %d`, types.LatestRules)
	if types.LatestRules < 3 || bytes.Count(gen, []byte(v3)) != 1 {
		t.Fatalf("the genesis does not hold %s once", v3)
	}
	if err := os.WriteFile(genPath, bytes.Replace(gen, []byte(v3), []byte(`"rulesVersion": 2`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	startBinary(t, bin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)

	mustCLI(t, bin, home, "keys", "add", "importer", "--algo", "sm2")
	mustCLI(t, bin, home, "keys", "add", "scanner1")
	reg := func(uscc, key string) (string, string, error) {
		return cli(t, bin, home, "tx", "registry", "register-enterprise", uscc, "Xihu Seafood Import Co.",
			"--kind", "importer", "--division", "330106", "--key", key, "--from", "regulator")
	}
	out, errOut, err := reg("91330106MA2CFX8Q1D", "importer")
	if err == nil || !strings.Contains(errOut, "code 16") || !strings.Contains(errOut, "rules v2") {
		t.Fatalf("SM2 key on a rules v2 chain: err %v\n%s%s", err, out, errOut)
	}
	if out, errOut, err := reg("91330106MA2CFX8Q1D", "scanner1"); err != nil || !strings.Contains(out, "committed at height") {
		t.Fatalf("ed25519 key on the same chain: %v\n%s%s", err, out, errOut)
	}
}

// TestReadmeSM2Keys: the README's "SM2 keys" commands work when pasted, in
// one shell from the repository's folder, against a home made as `make run`
// makes it; the event they record names the SM2 key that signed it.
func TestReadmeSM2Keys(t *testing.T) {
	steps := readmeSteps(t, "## SM2 keys", "## The commands")
	if len(steps) < 10 {
		t.Fatalf("only %d commands in the README's SM2 section", len(steps))
	}
	work, home := readmeNode(t)

	var script strings.Builder
	script.WriteString("set -u\n")
	for _, s := range steps {
		fmt.Fprintf(&script, "%s || { echo \"@@failed: %s\"; exit 1; }\n", s.cmd, strings.ReplaceAll(s.cmd, `"`, `'`))
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "COLDTRACE_HOME="+home, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's SM2 commands: %v\n%s", err, out)
	}
	fisher, err := client.NewKeyring(home).PublicKey("fisher")
	if err != nil || types.KeyAlgorithmOf(fisher) != types.KeyAlgorithm_KEY_ALGORITHM_SM2 {
		t.Fatalf("fisher: %x %v", fisher, err)
	}
	for _, want := range []string{
		fmt.Sprintf(`"signer": "%x"`, fisher),    // the commission event
		"receive consignment:",                   // the grocery's receipt
		`"owner_id": "91330106MA2GM2X7PW"`,       // the account
		fmt.Sprintf("fisher\t%x\tsm2\n", fisher), // keys list
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the README's SM2 commands printed no %q:\n%s", want, out)
		}
	}
}

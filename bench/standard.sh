#!/usr/bin/env bash
# The standard benchmark set behind `make bench`: Go benchmarks of the hot
# paths, then `coldtrace bench` against a fresh single-validator home (one
# event per tx, then 100 events per tx) and CometBFT's kvstore example driven
# the same way, and against a local 4-validator testnet. Each load runs RUNS
# times; take the median. Everything listens on 127.0.0.1 and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/coldtrace}
RUNS=${RUNS:-3}
DURATION=${DURATION:-20s}
OUT=${OUT:-bench-out}
rm -rf "$OUT" && mkdir -p "$OUT"
echo "# $(nproc) cores, $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"

echo "## Go benchmarks"
go test -run '^$' -bench . -benchmem -benchtime 2s ./types ./state | grep -E '^Benchmark'
COLDTRACE_BENCH_CODES=${CODES:-100000} go test -run '^$' -bench . -benchmem -benchtime 3x -timeout 30m ./app | grep -E '^Benchmark'

stop() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null && sleep 2 || true; }
trap 'for p in "$OUT"/*.pid; do stop "$p"; done; testnet/network.sh stop "$OUT/net" >/dev/null 2>&1 || true' EXIT

single() { # name, bench flags...
  local name=$1; shift
  for i in $(seq "$RUNS"); do
    rm -rf "$OUT/home"
    "$BIN" init --home "$OUT/home" --rpc-port 27657 --p2p-port 27656 --keyring-backend test >/dev/null
    "$BIN" start --home "$OUT/home" >"$OUT/node.log" 2>&1 & echo $! >"$OUT/node.pid"
    sleep 4
    "$BIN" bench --home "$OUT/home" --duration "$DURATION" -o json "$@" | tee -a "$OUT/$name.jsonl"
    stop "$OUT/node.pid"
  done
}

echo "## single validator, 1 event per tx"
single one --pairs 16
echo "## single validator, 100 events per tx"
single batch --pairs 8 --events-per-tx 100

echo "## kvstore, the same consensus and mempool settings"
go build -o "$OUT/cometbft" github.com/cometbft/cometbft/cmd/cometbft
for i in $(seq "$RUNS"); do
  rm -rf "$OUT/kv" "$OUT/home"
  "$BIN" init --home "$OUT/home" --rpc-port 27657 --p2p-port 27656 --keyring-backend test >/dev/null
  "$OUT/cometbft" init --home "$OUT/kv" >/dev/null 2>&1
  sed "s#$OUT/home#$OUT/kv#g; s#^proxy_app = .*#proxy_app = \"kvstore\"#" "$OUT/home/config/config.toml" >"$OUT/kv/config/config.toml"
  python3 -c "import json,sys;p=sys.argv[1];d=json.load(open(p));d['consensus_params']['block']['max_bytes']=str(2<<20);json.dump(d,open(p,'w'))" "$OUT/kv/config/genesis.json"
  "$OUT/cometbft" start --home "$OUT/kv" >"$OUT/kv.log" 2>&1 & echo $! >"$OUT/kv.pid"
  sleep 4
  "$BIN" bench --home "$OUT/home" --kvstore --pairs 16 --duration "$DURATION" -o json | tee -a "$OUT/kvstore.jsonl"
  stop "$OUT/kv.pid"
done

echo "## 4 validators on this machine, 1 event per tx"
"$BIN" testnet --validators 4 --output "$OUT/net" >/dev/null
testnet/network.sh start "$OUT/net" "$BIN" >/dev/null
sleep 8
[ ! -x "$OUT/net/register.sh" ] || "$OUT/net/register.sh" >/dev/null 2>&1 || true
for i in $(seq "$RUNS"); do
  "$BIN" bench --home "$OUT/net/node0" --pairs 16 --duration "$DURATION" -o json | tee -a "$OUT/testnet.jsonl"
done

echo "## summary: medians of $RUNS runs ($(nproc) cores)"
python3 - "$OUT" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
rows = [("one.jsonl", "1 validator, 1 event per tx"), ("batch.jsonl", "1 validator, 100 events per tx"),
        ("kvstore.jsonl", "kvstore baseline, same settings"), ("testnet.jsonl", "4 validators, 1 event per tx")]
meds = {}
print(f"{'load':34} {'tx/s':>8} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'refused':>8} {'RSS MiB':>8} {'B/event':>8}")
for f, name in rows:
    p = os.path.join(out, f)
    if not os.path.exists(p):
        continue
    runs = [json.loads(l) for l in open(p) if l.startswith("{")]
    if not runs:
        continue
    med = lambda k: statistics.median(r.get(k, 0) for r in runs)
    refused = statistics.median(sum(v for k, v in r["refused_by_code"].items() if "mempool" not in k and not k.startswith("broadcast")) for r in runs)
    print(f"{name:34} {med('tx_per_sec'):8.0f} {med('events_per_sec'):9.0f} {med('latency_p50_ms'):7.0f} {med('latency_p99_ms'):7.0f} "
          f"{refused:8.0f} {med('node_peak_rss_bytes')/2**20:8.0f} {med('store_bytes_per_event'):8.0f}")
    meds[f] = {k: med(k) for k in ('tx_per_sec', 'events_per_sec')}

# The targets: at least kvstore's tx/s on 1 and 4 validators, 20,000 events/s at 100 events per tx.
print()
kv = meds["kvstore.jsonl"]["tx_per_sec"] if "kvstore.jsonl" in meds else 0
for f, name in (("one.jsonl", "1 validator"), ("testnet.jsonl", "4 validators")):
    if f in meds and kv:
        print(f"ratio to kvstore, {name:13} {meds[f]['tx_per_sec'] / kv:5.2f}x (target 1.0x)")
if "batch.jsonl" in meds:
    print(f"events/s at 100 events per tx    {meds['batch.jsonl']['events_per_sec'] / 20000:5.2f}x of 20,000 (target 1.0x)")
print(f"load average at the end: {open('/proc/loadavg').read().split()[0]} on {os.cpu_count()} cores")
PY

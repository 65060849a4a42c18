#!/usr/bin/env bash
# CPU and allocation profiles of a node under `coldtrace bench`, behind
# `make profile`: a fresh single-validator home at 1 and 100 events per tx, and
# node0 of a local 4-validator testnet at 1 event per tx. Each node serves Go's
# pprof on loopback (config.toml [rpc] pprof_laddr); while the load runs, a CPU
# profile of SECONDS and then the allocations since start are fetched into
# $OUT/<load>.cpu.pprof and $OUT/<load>.allocs.pprof, with `go tool pprof -top`
# summaries beside them (.cpu.txt, .allocs.txt). Everything listens on
# 127.0.0.1 and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/coldtrace}
SECONDS_CPU=${SECONDS_CPU:-15}
OUT=${OUT:-profile-out}
LOADS=${LOADS:-one batch testnet}
PPROF=127.0.0.1:27060
rm -rf "$OUT" && mkdir -p "$OUT"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"

stop() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null && sleep 2 || true; }
trap 'stop "$OUT/node.pid"; [ ! -d "$OUT/net" ] || testnet/network.sh stop "$OUT/net" >/dev/null 2>&1 || true' EXIT

pprof_on() { sed -i "s#^pprof_laddr = .*#pprof_laddr = \"$PPROF\"#" "$1/config/config.toml"; }

# profile NAME HOME bench-flags...: runs the bench for the CPU window plus
# some slack, fetches both profiles meanwhile, then summarises them.
profile() {
  local name=$1 home=$2; shift 2
  "$BIN" bench --home "$home" --duration "$((SECONDS_CPU + 10))s" --drain 10s -o json "$@" >"$OUT/$name.bench.json" &
  local bench=$!
  sleep 5
  curl -sf -o "$OUT/$name.cpu.pprof" "http://$PPROF/debug/pprof/profile?seconds=$SECONDS_CPU"
  curl -sf -o "$OUT/$name.allocs.pprof" "http://$PPROF/debug/pprof/allocs"
  wait "$bench" || true
  go tool pprof -top -nodecount 60 "$BIN" "$OUT/$name.cpu.pprof" >"$OUT/$name.cpu.txt" 2>/dev/null
  go tool pprof -top -cum -nodecount 80 "$BIN" "$OUT/$name.cpu.pprof" >"$OUT/$name.cpu-cum.txt" 2>/dev/null
  go tool pprof -top -sample_index=alloc_space -nodecount 40 "$BIN" "$OUT/$name.allocs.pprof" >"$OUT/$name.allocs.txt" 2>/dev/null
  echo "$name: $(grep -o '"tx_per_sec":[0-9.]*\|"events_per_sec":[0-9.]*' "$OUT/$name.bench.json" | tr '\n' ' ') -> $OUT/$name.{cpu,allocs}.pprof"
}

single() { # name, bench flags...
  local name=$1; shift
  rm -rf "$OUT/home"
  "$BIN" init --home "$OUT/home" --rpc-port 27657 --p2p-port 27656 --keyring-backend test >/dev/null
  pprof_on "$OUT/home"
  "$BIN" start --home "$OUT/home" >"$OUT/$name.node.log" 2>&1 & echo $! >"$OUT/node.pid"
  sleep 4
  profile "$name" "$OUT/home" "$@"
  stop "$OUT/node.pid"
}

for load in $LOADS; do
  case $load in
  one) single one --pairs 16 ;;
  batch) single batch --pairs 8 --events-per-tx 100 ;;
  testnet)
    "$BIN" testnet --validators 4 --output "$OUT/net" >/dev/null
    pprof_on "$OUT/net/node0"
    testnet/network.sh start "$OUT/net" "$BIN" >/dev/null
    sleep 8
    [ ! -x "$OUT/net/register.sh" ] || "$OUT/net/register.sh" >/dev/null 2>&1 || true
    profile testnet "$OUT/net/node0" --pairs 16
    testnet/network.sh stop "$OUT/net" >/dev/null ;;
  *) echo "unknown load $load (one, batch, testnet)" >&2; exit 2 ;;
  esac
done

#!/usr/bin/env bash
# The standard benchmark set behind `make bench`: coldtrace side by side with
# CometBFT's kvstore example app, on this machine, in one run.
#
# Each load runs RUNS pairs in turn (coldtrace, kvstore, coldtrace, kvstore …),
# each run on a fresh home, both driven by `coldtrace bench` (`--kvstore` for the
# baseline) with the same flags, the same config.toml (coldtrace's, copied into
# the kvstore homes with only proxy_app changed) and the same consensus params
# (block byte limit included); the script prints what differs and stops if
# anything but proxy_app does. The loads:
#   one      1 validator, 1 event per tx, 16 pairs of enterprises
#   batch    1 validator, 100 events per tx, 8 pairs (coldtrace events/s
#            against kvstore tx/s: one key=value write a tx)
#   testnet  4 validators on this machine (`coldtrace testnet` and
#            testnet/network.sh; for kvstore, `cometbft testnet` homes with the
#            coldtrace nodes' config.toml and node keys), 1 event per tx, 16 pairs
# It ends with `coldtrace bench summary`: per load the two medians, the median
# of the pair-by-pair ratios (min–max), p99 latencies, the core count and the
# load average at the start and end, and 100 events per tx against 20,000
# events/s. Everything listens on 127.0.0.1 and stops on exit.
#
# Options, from the environment:
#   RUNS=3          pairs per load
#   DURATION=20s    how long each run sends (coldtrace bench --duration)
#   DRAIN=10s       how long each run waits for its last txs (--drain)
#   LOADS=one,batch,testnet   the loads to run, in this order
#   GO_BENCH=1      first the Go benchmarks of the hot paths (0 skips them)
#   CODES=100000    codes in state for the app's query benchmark
#   BIN=build/coldtrace   OUT=bench-out (runs.jsonl, logs)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/coldtrace}
RUNS=${RUNS:-3}
DURATION=${DURATION:-20s}
DRAIN=${DRAIN:-10s}
LOADS=${LOADS:-one,batch,testnet}
GO_BENCH=${GO_BENCH:-1}
OUT=${OUT:-bench-out}
COMETBFT=build/cometbft
RPC=27657 P2P=27656 NET_PORT=27600 # the testnet's node0 answers RPC on NET_PORT+1
for load in ${LOADS//,/ }; do
  case $load in one | batch | testnet) ;; *) echo "LOADS: unknown load $load (one, batch, testnet)" >&2; exit 2 ;; esac
done
rm -rf "$OUT" && mkdir -p "$OUT"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# RUNS=$RUNS DURATION=$DURATION DRAIN=$DRAIN LOADS=$LOADS GO_BENCH=$GO_BENCH"

# stop PIDFILE: SIGTERM, then wait up to 10 s, then SIGKILL.
stop() {
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  rm -f "$1"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$OUT/bench.pid"
  stop "$OUT/node.pid"
  for net in "$OUT/net" "$OUT/kvnet"; do
    [ ! -d "$net" ] || testnet/network.sh stop "$net" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_height PORT: until the node answering RPC on PORT has committed a block.
wait_height() {
  for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$1/status" 2>/dev/null | grep -q '"latest_block_height":"[1-9]' && return 0
    sleep 0.5
  done
  echo "no node committed a block on 127.0.0.1:$1" >&2
  return 1
}

# settings FILE: config.toml's settings, each as "[section] key = value".
settings() { awk 'BEGIN { s = "[]" } /^\[/ { s = $0 } /^[a-z_]+ = / { print s " " $0 }' "$1" | sort; }

# show_settings COLDTRACE_HOME KVSTORE_HOME: the settings that shape the
# throughput, as each node reads them.
show_settings() {
  local k
  for k in '\[consensus\] timeout_propose ' '\[consensus\] timeout_commit ' '\[mempool\] type ' '\[mempool\] size ' \
    '\[mempool\] max_txs_bytes ' '\[mempool\] max_tx_bytes ' '\[mempool\] recheck ' '\[tx_index\] indexer '; do
    printf '  %-40s coldtrace: %-12s kvstore: %s\n' "$(settings "$1/config/config.toml" | grep "^$k" | cut -d= -f1)" \
      "$(settings "$1/config/config.toml" | grep "^$k" | cut -d= -f2-)" "$(settings "$2/config/config.toml" | grep "^$k" | cut -d= -f2-)"
  done
  printf '  %-40s coldtrace: %-12s kvstore: %s\n' "genesis block max_bytes" \
    "$(grep -o '"max_bytes": *"[0-9]*"' "$1/config/genesis.json" | head -n 1 | grep -o '[0-9]*')" \
    "$(grep -o '"max_bytes": *"[0-9]*"' "$2/config/genesis.json" | head -n 1 | grep -o '[0-9]*')"
}

# same_settings COLDTRACE_HOME KVSTORE_HOME: prints what differs between the
# two homes' config.toml and consensus params; fails on anything but proxy_app.
same_settings() {
  local d
  d=$(diff <(settings "$1/config/config.toml") <(settings "$2/config/config.toml") || true)
  if [ "$(grep -c '^[<>]' <<<"$d")" != 2 ] || grep '^[<>]' <<<"$d" | grep -vq '^. \[\] proxy_app = '; then
    echo "config.toml of $1 and $2 differ beyond proxy_app:" >&2
    echo "$d" >&2
    return 1
  fi
  python3 - "$1/config/genesis.json" "$2/config/genesis.json" <<'PY' || return 1
import json, sys
a, b = (json.load(open(p))["consensus_params"] for p in sys.argv[1:])
if a != b:
    sys.exit(f"consensus params differ:\n  {a}\n  {b}")
PY
}

# kv_home COLDTRACE_HOME KVSTORE_HOME: the coldtrace home's config.toml
# (proxy_app set to kvstore) and consensus params into a cometbft home.
kv_home() {
  sed 's#^proxy_app = .*#proxy_app = "kvstore"#' "$1/config/config.toml" >"$2/config/config.toml"
  python3 - "$1/config/genesis.json" "$2/config/genesis.json" <<'PY'
import json, sys
src, dst = sys.argv[1:]
g = json.load(open(dst))
g["consensus_params"] = json.load(open(src))["consensus_params"]
json.dump(g, open(dst, "w"), indent=2)
PY
}

# record LOAD SIDE PAIR bench-args...: one run of `coldtrace bench`, written as
# a line of runs.jsonl with the machine's state around it.
record() {
  local load=$1 side=$2 pair=$3 start rep
  shift 3
  start=$(cut -d' ' -f1 /proc/loadavg)
  # In the background, so a signal ends the script at once (bash runs traps
  # only between foreground commands).
  "$BIN" bench --duration "$DURATION" --drain "$DRAIN" -o json "$@" >"$OUT/run.json" 2>>"$OUT/bench.err" &
  echo $! >"$OUT/bench.pid"
  wait "$(cat "$OUT/bench.pid")" || true
  rm -f "$OUT/bench.pid"
  rep=$(grep '^{' "$OUT/run.json" | tail -n 1) || true
  printf '{"load":"%s","side":"%s","pair":%d,"cores":%d,"loadavg_start":%s,"loadavg_end":%s,"report":%s}\n' \
    "$load" "$side" "$pair" "$(nproc)" "$start" "$(cut -d' ' -f1 /proc/loadavg)" "${rep:-null}" >>"$OUT/runs.jsonl"
  printf '%-8s pair %d %-9s %s\n' "$load" "$pair" "$side" \
    "$(grep -o '"tx_per_sec":[0-9]*\|"events_per_sec":[0-9]*\|"latency_p99_ms":[0-9]*\|"partial":true' <<<"${rep:-none}" | tr '\n' ' ')"
}

single_coldtrace() { # load pair bench-flags...
  local load=$1 pair=$2
  shift 2
  rm -rf "$OUT/home"
  "$BIN" init --home "$OUT/home" --rpc-port $RPC --p2p-port $P2P --keyring-backend test >/dev/null 2>&1
  "$BIN" start --home "$OUT/home" >>"$OUT/node.log" 2>&1 &
  echo $! >"$OUT/node.pid"
  wait_height $RPC
  record "$load" coldtrace "$pair" --home "$OUT/home" --pid "$(cat "$OUT/node.pid")" "$@"
  stop "$OUT/node.pid"
}

single_kvstore() { # load pair bench-flags...
  local load=$1 pair=$2
  shift 2
  rm -rf "$OUT/kv"
  "$COMETBFT" init --home "$OUT/kv" >/dev/null 2>&1
  kv_home "$OUT/home" "$OUT/kv"
  same_settings "$OUT/home" "$OUT/kv"
  "$COMETBFT" start --home "$OUT/kv" >>"$OUT/kv.log" 2>&1 &
  echo $! >"$OUT/node.pid"
  wait_height $RPC
  record "$load" kvstore "$pair" --home "$OUT/kv" --kvstore --pid "$(cat "$OUT/node.pid")" "$@"
  stop "$OUT/node.pid"
}

net_coldtrace() { # pair
  rm -rf "$OUT/net"
  "$BIN" testnet --validators 4 --output "$OUT/net" --starting-port $NET_PORT >/dev/null
  testnet/network.sh start "$OUT/net" "$BIN" >/dev/null
  wait_height $((NET_PORT + 1))
  record testnet coldtrace "$1" --home "$OUT/net/node0" --pid "$(cat "$OUT/net/node0.pid")" --pairs 16
  testnet/network.sh stop "$OUT/net" >/dev/null
}

# net_kvstore PAIR: four kvstore validators from `cometbft testnet`, each with
# the config.toml and node key of the coldtrace node of the same number (so
# the same ports and persistent peers) and coldtrace's consensus params.
net_kvstore() {
  local i
  rm -rf "$OUT/kvnet"
  "$COMETBFT" testnet --v 4 --o "$OUT/kvnet" >/dev/null
  for i in 0 1 2 3; do
    kv_home "$OUT/net/node$i" "$OUT/kvnet/node$i"
    cp "$OUT/net/node$i/config/node_key.json" "$OUT/kvnet/node$i/config/node_key.json"
    same_settings "$OUT/net/node$i" "$OUT/kvnet/node$i"
  done
  testnet/network.sh start "$OUT/kvnet" "$COMETBFT" >/dev/null
  wait_height $((NET_PORT + 1))
  record testnet kvstore "$1" --home "$OUT/kvnet/node0" --kvstore --pid "$(cat "$OUT/kvnet/node0.pid")" --pairs 16
  testnet/network.sh stop "$OUT/kvnet" >/dev/null
}

if [ "$GO_BENCH" != 0 ]; then
  echo "## Go benchmarks"
  go test -run '^$' -bench . -benchmem -benchtime 2s ./types ./state | grep -E '^Benchmark'
  COLDTRACE_BENCH_CODES=${CODES:-100000} go test -run '^$' -bench . -benchmem -benchtime 3x -timeout 30m ./app | grep -E '^Benchmark'
fi

go build -o "$COMETBFT" github.com/cometbft/cometbft/cmd/cometbft
echo "## coldtrace and kvstore in turn, $RUNS pairs per load, $DURATION each (kvstore of CometBFT $(go list -m -f '{{.Version}}' github.com/cometbft/cometbft))"
for load in ${LOADS//,/ }; do
  for pair in $(seq "$RUNS"); do
    case $load in
    one)
      single_coldtrace one "$pair" --pairs 16
      single_kvstore one "$pair" --pairs 16
      ;;
    batch)
      single_coldtrace batch "$pair" --pairs 8 --events-per-tx 100
      single_kvstore batch "$pair" --pairs 8
      ;;
    testnet)
      net_coldtrace "$pair"
      net_kvstore "$pair"
      ;;
    esac
  done
  case $load in
  one | batch)
    echo "$load: config.toml and consensus params the same for both but proxy_app (checked each pair):"
    show_settings "$OUT/home" "$OUT/kv" ;;
  testnet)
    echo "testnet: each node's config.toml and consensus params the same for both but proxy_app (checked each pair); node0:"
    show_settings "$OUT/net/node0" "$OUT/kvnet/node0" ;;
  esac
done

echo "## summary ($OUT/runs.jsonl)"
"$BIN" bench summary "$OUT/runs.jsonl"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

#!/usr/bin/env bash
# State built through consensus on a real node, then measured the way the
# province's nodes are used: `coldtrace bench` drives trace txs into a fresh
# single-validator home for BUILD_MINUTES; then `coldtrace bench probe`
# measures verified code and history queries over RPC; the node is stopped
# (SIGTERM) and started again, timed until its RPC answers and its height
# advances; and a second node joins by state sync (`coldtrace join
# --rpc-servers`), timed until it has caught up with the source and answers a
# verified code query. Prints one JSON object. Everything listens on
# 127.0.0.1 and is stopped and removed at the end (KEEP=1 keeps the homes).
#
#   BUILD_MINUTES=10 EVENTS_PER_TX=100 PAIRS=8 bench/scale-node.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/coldtrace}
BUILD_MINUTES=${BUILD_MINUTES:-10}
EVENTS_PER_TX=${EVENTS_PER_TX:-100}
PAIRS=${PAIRS:-8}
CODES=${CODES:-500}               # codes the probe samples
QUERIES=${QUERIES:-2000}          # measured rounds of the probe
SNAPSHOT_INTERVAL=${SNAPSHOT_INTERVAL:-20} # heights: full blocks of 100-code txs take 15-60 s on 2 loaded cores
PORT=${PORT:-28600}               # source: RPC PORT+57, p2p +56, metrics +60; joining node: +157, +156, +160
OUT=${OUT:-$(mktemp -d /tmp/coldtrace-scale-node.XXXXXX)}
KEEP=${KEEP:-0}

[ -x "$BIN" ] || go build -o "$BIN" ./cmd/coldtrace
SRC=$OUT/source JOIN=$OUT/joined
SRPC=$((PORT + 57)) SP2P=$((PORT + 56)) SMET=$((PORT + 60))
JRPC=$((PORT + 157)) JP2P=$((PORT + 156)) JMET=$((PORT + 160))
mkdir -p "$OUT"
log() { echo "scale-node: $*" >&2; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$1" "$(now)"; }
status() { curl -sf --max-time 2 "http://127.0.0.1:$1/status"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin)['result']; print(eval(sys.argv[1]))" "$1"; }
height() { status "$1" | field "d['sync_info']['latest_block_height']" 2>/dev/null || echo 0; }
stop_pid() { # pid file: SIGTERM, then wait for the process to end
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1"); rm -f "$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop_pid "$OUT/joined.pid"; stop_pid "$OUT/source.pid"
  if [ "$KEEP" = 1 ] || [ "$rc" != 0 ]; then log "homes and logs kept in $OUT"; else rm -rf "$OUT"; fi
}
trap cleanup EXIT
start() { # home, pid file, log
  "$BIN" start --home "$1" --no-gateway >>"$3" 2>&1 & echo $! >"$2"
}
wait_rpc() { # port, seconds: until /status answers
  for _ in $(seq $(($2 * 10))); do status "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
wait_height() { # port, height, seconds: until the latest height is above it
  for _ in $(seq $(($3 * 10))); do [ "$(height "$1")" -gt "$2" ] && return 0; sleep 0.1; done
  return 1
}

log "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
load_start=$(cut -d' ' -f1 /proc/loadavg)
"$BIN" init --home "$SRC" --rpc-port "$SRPC" --p2p-port "$SP2P" --keyring-backend test >/dev/null
sed -i "s#^prometheus_listen_addr = .*#prometheus_listen_addr = \"127.0.0.1:$SMET\"#" "$SRC/config/config.toml"
sed -i "s#^snapshot_interval = .*#snapshot_interval = $SNAPSHOT_INTERVAL#" "$SRC/config/app.toml"
grep -q "^snapshot_interval = $SNAPSHOT_INTERVAL\$" "$SRC/config/app.toml"
start "$SRC" "$OUT/source.pid" "$OUT/source.log"
wait_rpc "$SRPC" 30 && wait_height "$SRPC" 1 30

log "building state for $BUILD_MINUTES minutes ($EVENTS_PER_TX events per tx, $PAIRS pairs)"
"$BIN" bench --home "$SRC" --duration "${BUILD_MINUTES}m" --events-per-tx "$EVENTS_PER_TX" --pairs "$PAIRS" -o json >"$OUT/bench.json" ||
  log "bench ended with an error (its report is kept): $(tail -c 300 "$OUT/bench.json")"

log "waiting for the node to commit the load's backlog (mempool empty)"
t=$(now)
for _ in $(seq 18000); do # 30 minutes
  n=$(curl -sf --max-time 5 "http://127.0.0.1:$SRPC/num_unconfirmed_txs" | field "int(d['total'])" 2>/dev/null || echo -1)
  [ "$n" = 0 ] && break
  sleep 0.1
done
[ "$n" = 0 ] || { log "the mempool still holds $n txs after 30 minutes"; exit 1; }
backlog_s=$(since "$t")
h_built=$(height "$SRPC")

log "probing verified queries over RPC"
"$BIN" bench probe --home "$SRC" --codes "$CODES" --queries "$QUERIES" -o json >"$OUT/probe.json"
code=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['history_code'])" "$OUT/probe.json")

rss() { awk '/^VmHWM:/ {printf "%.0f\n", $2 * 1024}' "/proc/$(cat "$1")/status" 2>/dev/null || echo 0; }
source_rss=$(rss "$OUT/source.pid") # the peak of the build, the backlog and the probe

log "restart: SIGTERM, start, until RPC answers and the height advances"
h_before=$(height "$SRPC")
t=$(now); stop_pid "$OUT/source.pid"; stop_s=$(since "$t")
t=$(now); start "$SRC" "$OUT/source.pid" "$OUT/source.log"
wait_rpc "$SRPC" 600; rpc_s=$(since "$t")
wait_height "$SRPC" "$h_before" 600; restart_s=$(since "$t")

log "waiting for a snapshot of the whole state (every $SNAPSHOT_INTERVAL heights)"
h_now=$(height "$SRPC")
want=$(( (h_now / SNAPSHOT_INTERVAL + 1) * SNAPSHOT_INTERVAL ))
newest() { ls "$SRC/data/snapshots" 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1; }
for _ in $(seq 6000); do [ "$(newest || echo 0)" -ge "$want" ] 2>/dev/null && break; sleep 0.1; done
snap=$(newest) # a snapshot's folder appears, by rename, once it is complete
snap_bytes=$(du -sb "$SRC/data/snapshots/$snap" | cut -f1)
snap_chunks=$(ls "$SRC/data/snapshots/$snap" | grep -c '^chunk-' || true)

log "state-sync join"
node_id=$(status "$SRPC" | field "d['node_info']['id']")
"$BIN" join --home "$JOIN" --genesis "$SRC/config/genesis.json" --peers "$node_id@127.0.0.1:$SP2P" \
  --rpc-servers "tcp://127.0.0.1:$SRPC" --p2p-laddr "127.0.0.1:$JP2P" --rpc-laddr "127.0.0.1:$JRPC" \
  --metrics-laddr "127.0.0.1:$JMET" --keyring-backend test >/dev/null
target=$(height "$SRPC")
t=$(now); start "$JOIN" "$OUT/joined.pid" "$OUT/joined.log"
caught=""
for _ in $(seq 12000); do # 20 minutes
  s=$(status "$JRPC" 2>/dev/null || true)
  if [ -n "$s" ] && [ "$(echo "$s" | field "str(d['sync_info']['catching_up'])")" = False ] &&
    [ "$(echo "$s" | field "d['sync_info']['latest_block_height']")" -ge "$target" ]; then
    caught=$(since "$t"); break
  fi
  sleep 0.1
done
[ -n "$caught" ] || { log "the joining node did not catch up in 20 minutes; its log: $OUT/joined.log"; KEEP=1; exit 1; }
# The first verified answer of the joined node (its headers from height 1
# are asked of the source, which keeps every block).
join_s=""
for _ in $(seq 600); do
  if "$BIN" query trace code "$code" --verify --node "tcp://127.0.0.1:$JRPC" --home "$SRC" \
    --archive "tcp://127.0.0.1:$SRPC" >"$OUT/verify.out" 2>"$OUT/verify.err"; then
    join_s=$(since "$t"); break
  fi
  sleep 0.1
done
[ -n "$join_s" ] || { log "the joined node gave no verified answer: $(cat "$OUT/verify.err")"; KEEP=1; exit 1; }
grep -q "verified at height" "$OUT/verify.out"
restored=$(grep -m1 -io 'snapshot restored.*height=[0-9]*' "$OUT/joined.log" | grep -o '[0-9]*$' || true)
joined_earliest=$(status "$JRPC" | field "d['sync_info']['earliest_block_height']")
joined_rss=$(rss "$OUT/joined.pid")
joined_state=$(du -sb "$JOIN/data/coldtrace" | cut -f1)

python3 - "$OUT" <<PY
import json, os, sys
out = sys.argv[1]
bench = json.load(open(os.path.join(out, "bench.json")))
probe = json.load(open(os.path.join(out, "probe.json")))
# The joined node's phases, from its log's timestamps.
import datetime, re
marks = {"statesync_started": "Starting state sync", "snapshot_offered": "Offering snapshot to ABCI app",
         "snapshot_restored": "snapshot restored ", "consensus": "SwitchToConsensus"}
at = {}
for line in open(os.path.join(out, "joined.log"), errors="replace"):
    m = re.match(r"^[IEWD]\[(\d{4}-\d\d-\d\d\|\d\d:\d\d:\d\d\.\d+)\]\s+(.*)", line)
    if not m:
        continue
    for k, text in marks.items():
        if k not in at and m.group(2).startswith(text):
            at[k] = datetime.datetime.strptime(m.group(1), "%Y-%m-%d|%H:%M:%S.%f")
secs = lambda a, b: round((at[b] - at[a]).total_seconds(), 2) if a in at and b in at else None
restore = secs("snapshot_offered", "snapshot_restored")
phases = {"discovery_seconds": secs("statesync_started", "snapshot_offered"), "restore_seconds": restore,
          "blocks_after_restore_seconds": secs("snapshot_restored", "consensus")}
# The app rebuilds the tree while the chunks are fetched, and logs how long
# the rebuild went on after the last chunk: what fetching did not hide.
for line in open(os.path.join(out, "joined.log"), errors="replace"):
    m = re.search(r"snapshot restored .*after_last_chunk_seconds=([0-9.]+)", line)
    if m:
        phases["rebuild_after_last_chunk_seconds"] = float(m.group(1))
        break
if restore:
    phases["restore_snapshot_mb_per_s"] = round($snap_bytes / 1e6 / restore, 2)
    phases["restore_app_state_mb_per_s"] = round(probe["app_state_bytes"] / 1e6 / restore, 2)
print(json.dumps({
    "build_minutes": float("$BUILD_MINUTES"), "events_per_tx": $EVENTS_PER_TX, "pairs": $PAIRS,
    "bench": bench, "backlog_seconds": $backlog_s, "height_built": $h_built, "probe": probe,
    "source_peak_rss_bytes": $source_rss,
    "restart": {"stop_seconds": $stop_s, "rpc_answers_seconds": $rpc_s, "height_advances_seconds": $restart_s, "height_before": $h_before},
    "snapshot": {"interval": $SNAPSHOT_INTERVAL, "height": $snap, "bytes": $snap_bytes, "chunks": $snap_chunks},
    "state_sync_join": {"caught_up_seconds": $caught, "verified_answer_seconds": $join_s, "source_height_at_start": $target,
                        "joined_earliest_block": $joined_earliest, "joined_peak_rss_bytes": $joined_rss, "joined_app_state_bytes": $joined_state, "snapshot_height_restored": "$restored" or None, **phases},
    "load_average": {"start": float("$load_start"), "end": float(open("/proc/loadavg").read().split()[0]), "cores": os.cpu_count()},
}, indent=1))
PY

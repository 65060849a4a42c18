#!/usr/bin/env bash
# Runs the nodes of a testnet folder (see testnet/README.md) in the background.
#
#   testnet/network.sh start DIR [BIN]   start every node of DIR that is not running
#                                        (logs DIR/nodeI.log, process ids DIR/nodeI.pid)
#   testnet/network.sh stop DIR          stop every node started from DIR (SIGTERM, then SIGKILL)
#   testnet/network.sh status DIR [BIN]  which nodes run, and their heights
#
# BIN is the coldtrace binary (default: build/coldtrace). Only processes whose
# ids are in DIR/nodeI.pid and that run `coldtrace start` are ever signalled.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
bin=${3:-build/coldtrace}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,9p' "$0" >&2; exit 2; }
[ -d "$dir" ] || { echo "$dir: no such testnet folder" >&2; exit 1; }

# running PIDFILE: the id in the file, if that process is a coldtrace node.
running() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "start --home" || return 1
  echo "$pid"
}

homes() { find "$dir" -maxdepth 1 -type d -name 'node[0-9]*' | sort -V; }

case "$cmd" in
start)
  for home in $(homes); do
    name=$(basename "$home")
    if pid=$(running "$dir/$name.pid"); then
      echo "$name is running (pid $pid)"
      continue
    fi
    nohup "$bin" start --home "$home" >>"$dir/$name.log" 2>&1 </dev/null &
    echo $! >"$dir/$name.pid"
    echo "$name started (pid $!, log $dir/$name.log)"
  done
  ;;
stop)
  pids=()
  for pf in "$dir"/node*.pid; do
    [ -e "$pf" ] || continue
    if pid=$(running "$pf"); then
      kill -TERM "$pid"
      pids+=("$pid")
      echo "$(basename "$pf" .pid) stopping (pid $pid)"
    fi
    rm -f "$pf"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "pid $pid did not stop within 10 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  echo "testnet in $dir stopped"
  ;;
status)
  for home in $(homes); do
    name=$(basename "$home")
    if pid=$(running "$dir/$name.pid"); then
      h=$("$bin" status --home "$home" -o json 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
      echo "$name running (pid $pid) height ${h:-?}"
    else
      echo "$name stopped"
    fi
  done
  ;;
*)
  sed -n '2,9p' "$0" >&2
  exit 2
  ;;
esac

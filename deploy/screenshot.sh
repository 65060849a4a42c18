#!/bin/sh
# Redraws docs/operations/dashboard.png from a real node: a single-validator chain in a
# temporary home, loaded with 'coldtrace demo' and a short 'coldtrace bench', scraped every
# 2 s by Debian's prometheus, shown by deploy/dashboard/index.html (the panels of
# deploy/grafana/coldtrace.json) and captured by headless Chromium.
#
#   deploy/screenshot.sh [OUT.png]      (OUT relative to the repository's root; about 3 minutes)
#
# Needs go, prometheus, chromium, curl, python3 (apt-get install -y prometheus chromium curl). Ports are free
# loopback ones picked by the script; everything it starts it stops on exit.
set -eu
cd "$(dirname "$0")/.."

out=${1:-docs/operations/dashboard.png}
bench_for=${BENCH_DURATION:-60s}
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# freeport prints a loopback TCP port nobody listens on.
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
rpc=$(freeport); p2p=$(freeport); metrics=$(freeport); prom=$(freeport)

go build -o "$tmp/coldtrace" ./cmd/coldtrace
ct="$tmp/coldtrace"
home="$tmp/home"
"$ct" init --home "$home" --keyring-backend test --rpc-port "$rpc" --p2p-port "$p2p" \
	--chain-id dashboard --block-time 1s >/dev/null
# init turns the metrics on; move their listener to the free port.
sed -i "s|^prometheus_listen_addr = .*|prometheus_listen_addr = \"127.0.0.1:$metrics\"|" "$home/config/config.toml"
grep -q '^prometheus = true' "$home/config/config.toml"
started=$(date +%s)
"$ct" start --home "$home" >"$tmp/node.log" 2>&1 &
pids="$pids $!"

cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
scrape_configs:
  - job_name: coldtrace
    static_configs:
      - targets: ["127.0.0.1:$metrics"]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$prom" --web.user-assets="$(pwd)/deploy" \
	>"$tmp/prometheus.log" 2>&1 &
pids="$pids $!"

for i in $(seq 60); do
	curl -fs "http://127.0.0.1:$prom/-/ready" >/dev/null && curl -fs "http://127.0.0.1:$metrics/metrics" >/dev/null && break
	sleep 1
done
sleep 20 # an idle chain first, so the graphs show the load start

"$ct" demo --home "$home" >"$tmp/demo.log"
# During the bench, a tx the node cannot decode and a query every 2 s, so the refusals
# and query latency panels have lines too.
(
	for i in $(seq 40); do
		curl -fs "http://127.0.0.1:$rpc/broadcast_tx_sync?tx=0x6a756e6b$(printf %04x "$i")" >/dev/null || true
		curl -fs "http://127.0.0.1:$rpc/abci_query?path=%22/registry/regulator/330000%22" >/dev/null || true
		sleep 2
	done
) &
pids="$pids $!"
"$ct" bench --home "$home" --duration "$bench_for" --pairs 2 --events-per-tx 20 --rate 40 >"$tmp/bench.log"
"$ct" demo --home "$home" >>"$tmp/demo.log"
sleep 30

# The range shown: the node's whole life, and a little before.
range=$(($(date +%s) - started + 30))
url="http://127.0.0.1:$prom/user/dashboard/index.html?range=$range&refresh=0"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1800 \
	--virtual-time-budget=15000 --user-data-dir="$tmp/chromium" --screenshot="$tmp/shot.png" "$url" \
	>"$tmp/chromium.log" 2>&1
mkdir -p "$(dirname "$out")"
cp "$tmp/shot.png" "$out"
echo "wrote $out ($(grep -E 'tx/s|events/s' "$tmp/bench.log" | head -2 | tr -s ' \n' ' '))"

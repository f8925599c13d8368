#!/usr/bin/env bash
# Try scale-out on one machine: a Postgres cluster, two hookline nodes and Kamailio in front of them,
# all on 127.0.0.1, all in one temporary directory, all stopped by Ctrl-C. See deploy/README.md.
#
#   npm ci                                   # builds dist/ too
#   apt-get install postgresql kamailio      # Debian
#   deploy/try-out.sh                        # then call sip:8005550100@127.0.0.1:5060
#
# Ports: Kamailio 5060 (UDP); nodes SIP 5071 and 5072, HTTP 8081 and 8082, RTP 20000-20499 and
# 20500-20999; Postgres 55432. Change them below if they are taken.
set -euo pipefail
cd "$(dirname "$0")/.."
EDGE_PORT=5060 PG_PORT=55432
NODES=("node-1 5071 8081 20000-20499" "node-2 5072 8082 20500-20999")

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || { echo "Postgres is not installed (Debian: apt-get install postgresql)"; exit 1; }
command -v kamailio >/dev/null || { echo "Kamailio is not installed (Debian: apt-get install kamailio)"; exit 1; }
[ -f dist/cli/main.js ] || { echo "hookline is not built: npm ci (or npm run build)"; exit 1; }

work=$(mktemp -d /tmp/hookline-try-XXXXXX)
pids=()
# initdb and postgres refuse to run as root: as root, the cluster belongs to the postgres user.
# Run from the cluster's directory, which the postgres user can enter (the checkout it may not).
as_pg() { if [ "$(id -u)" = 0 ]; then (cd "$work" && runuser -u postgres -- "$@"); else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$work"
stop() {
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
trap "exit 130" INT TERM

echo "Postgres on 127.0.0.1:$PG_PORT (data in $work/pg)"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $work" -l "$work/pg.log" -w start >/dev/null
export HOOKLINE_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"

list="$work/dispatcher.list"
: > "$list"
for n in "${NODES[@]}"; do
  read -r id sip http rtp <<<"$n"
  mkdir -p "$work/$id"
  echo "hookline $id: SIP 127.0.0.1:$sip, HTTP http://127.0.0.1:$http, log $work/$id/log"
  HOOKLINE_NODE_ID=$id HOOKLINE_SIP_PORT=$sip HOOKLINE_HTTP_PORT=$http HOOKLINE_RTP_PORTS=$rtp \
  HOOKLINE_SIP_ADVERTISE=127.0.0.1 HOOKLINE_DATA_DIR="$work/$id/data" HOOKLINE_DRAIN_S=10 \
    node bin/hookline.js serve --flows examples/demo-flows.yaml --demo >"$work/$id/log" 2>&1 &
  pids+=($!)
  echo "1 sip:127.0.0.1:$sip" >> "$list"
done

echo "Kamailio on udp:127.0.0.1:$EDGE_PORT, log $work/kamailio.log"
kamailio -DD -E -m 64 -M 8 -Y "$work" -f deploy/kamailio/kamailio.cfg \
  -A "LISTEN=udp:127.0.0.1:$EDGE_PORT" -A "DISPATCHER_LIST=\"$list\"" >"$work/kamailio.log" 2>&1 &
pids+=($!)

sleep 3
echo
echo "Call sip:8005550100@127.0.0.1:$EDGE_PORT (baresip: baresip -f examples/baresip/sound -e \"/dial sip:8005550100@127.0.0.1:$EDGE_PORT\")."
echo "Each call goes to one node; both consoles list every call. Kill a node (kill -9 <pid>) and call again:"
for i in "${!NODES[@]}"; do read -r id _ <<<"${NODES[$i]}"; echo "  $id: pid ${pids[$i]}"; done
echo "Ctrl-C stops everything and removes $work."
wait

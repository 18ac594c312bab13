#!/usr/bin/env bash
# kill -9 soak of exactly-once state in PostgreSQL (issue 10), release build.
#
# Generates EVENTS signed events (default 100000) with event times ending
# before the current minute, produces them keyed by district to a fresh
# `streamproc mock-broker` (4 partitions), then runs `streamproc run` against
# a fresh PostgreSQL database and kills it with SIGKILL KILLS times (default
# 10) at random points (0.5–2.5 s after it owns its partitions), restarting it
# each time. After the last restart it waits until the store holds every
# offset and compares the store's closed 1-minute counts (summed over source
# partitions) with `streamproc replay` of each partition's records, cell by
# cell, and the rejected topic (deduplicated by source partition/offset) with
# the replay's non-valid records. Prints EXACT or NOT EXACT (exit 0 / 1).
#
# Usage: scripts/kill9-soak.sh [--events N] [--kills K] [--same-group] [--keep] [--debug]
#   --same-group  restart in the same consumer group (each restart then waits
#                 for the killed member's 10 s session to expire); default: a
#                 fresh group per generation (resume position comes from the store).
#   --keep        keep the work directory and database.
#   --debug       use .build/debug (to check the script itself; slow, use fewer events).
# Env: STREAMPROC_TEST_POSTGRES (default postgres://streamproc:streamproc@127.0.0.1:5432/streamproc_test;
#      only its server is used: a database eo_soak_<random> is created there).
# Needs: .build/release/streamproc and bench (swift build -c release), kcat, psql, curl, python3.
set -euo pipefail

EVENTS=100000
KILLS=10
SAME_GROUP=0
KEEP=0
CONFIG=release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) EVENTS="$2"; shift 2 ;;
    --kills) KILLS="$2"; shift 2 ;;
    --same-group) SAME_GROUP=1; shift ;;
    --keep) KEEP=1; shift ;;
    --debug) CONFIG=debug; shift ;;
    -h|--help) sed -n "2,/^set -euo/p" "$0" | sed "\$d"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SP="$ROOT/.build/$CONFIG/streamproc"
BENCH="$ROOT/.build/$CONFIG/bench"
for b in "$SP" "$BENCH"; do
  [[ -x "$b" ]] || { echo "missing $b: build it with 'swift build -c release' in $ROOT" >&2; exit 2; }
done
for t in kcat psql curl python3; do
  command -v "$t" >/dev/null || { echo "missing tool $t" >&2; exit 2; }
done

PGURL="${STREAMPROC_TEST_POSTGRES:-postgres://streamproc:streamproc@127.0.0.1:5432/streamproc_test}"
PGBASE="${PGURL%/*}"
if ! psql -X -q "$PGBASE/postgres" -c 'select 1' >/dev/null 2>&1; then
  echo "PostgreSQL at $PGBASE unreachable: start it with 'pg_ctlcluster 15 main start' (role streamproc/streamproc CREATEDB) and set STREAMPROC_TEST_POSTGRES" >&2
  exit 2
fi
DB="eo_soak_$RANDOM$RANDOM"
STORE="$PGBASE/$DB"
WORK="$(mktemp -d /tmp/kill9-soak.XXXXXX)"
LATENESS=5000
IDLE=2000
PARTS=4
BROKER_PID=""
PROC_PID=""

cleanup() {
  [[ -n "$PROC_PID" ]] && kill -9 "$PROC_PID" 2>/dev/null || true
  [[ -n "$BROKER_PID" ]] && kill -9 "$BROKER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ $KEEP == 0 ]]; then
    psql -X -q "$PGBASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  else
    echo "kept $WORK and database $STORE"
  fi
}
trap cleanup EXIT

log() { echo "$(date -u +%H:%M:%S) $*"; }
psqlq() { psql -X -A -t -F, "$STORE" -c "$1"; }
committed() { psqlq "select coalesce(sum(next_offset),0) from partition_state where topic='ykm.scans' and next_offset > 0" 2>/dev/null || echo 0; }

log "work dir $WORK, store $STORE, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$SP" mock-broker --partitions "$PARTS" >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do
  BROKERS="$(head -1 "$WORK/broker.log" 2>/dev/null || true)"
  [[ "$BROKERS" == *:* && "$BROKERS" != *" "* ]] && break
  sleep 0.1
done
[[ "$BROKERS" == *:* ]] || { echo "mock broker did not start: $(cat "$WORK/broker.log")" >&2; exit 1; }
psql -X -q "$PGBASE/postgres" -c "CREATE DATABASE $DB" >/dev/null

# Event times end before the current minute so every window can close soon after consumption.
NOW_MS=$(( $(date +%s) * 1000 ))
RATE=400
START_MS=$(( NOW_MS / 60000 * 60000 - EVENTS * 1000 / RATE - 1000 ))
"$BENCH" generate --events "$EVENTS" --out "$WORK/gen" --rate "$RATE" --seed 42 --start-ms "$START_MS" >"$WORK/generate.log"
paste "$WORK/gen/record-keys.txt" "$WORK/gen/events.jsonl" >"$WORK/kv.tsv"
kcat -b "$BROKERS" -P -t ykm.scans -K $'\t' -l "$WORK/kv.tsv"
# What went to which partition, in order: the replay's input.
TOTAL=0
for p in $(seq 0 $((PARTS - 1))); do
  kcat -b "$BROKERS" -C -t ykm.scans -p "$p" -o beginning -e -q -f '%s\n' >"$WORK/p$p.jsonl"
  TOTAL=$(( TOTAL + $(wc -l <"$WORK/p$p.jsonl") ))
done
[[ $TOTAL == "$EVENTS" ]] || { echo "produced $TOTAL records, expected $EVENTS" >&2; exit 1; }
log "produced $EVENTS events to $BROKERS"

start_proc() {  # $1: generation
  local group="soak-$DB"
  [[ $SAME_GROUP == 0 ]] && group="soak-$DB-$1"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$SP" run --brokers "$BROKERS" --keys "$WORK/gen/keys.json" --store "$STORE" --http "127.0.0.1:$PORT" \
    --group "$group" --processor-id "soak-$1" --idle-timeout-ms "$IDLE" --allowed-lateness-ms "$LATENESS" \
    --commit-interval-ms 500 --summary-s 0 >>"$WORK/processor.log" 2>&1 &
  PROC_PID=$!
}
wait_assigned() {
  for _ in $(seq 600); do
    kill -0 "$PROC_PID" 2>/dev/null || { echo "processor exited:"; tail -20 "$WORK/processor.log"; exit 1; }
    if curl -sf --max-time 1 "http://127.0.0.1:$PORT/api/v1/status" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["partitions"] else 1)' 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "processor never got partitions" >&2; exit 1
}

T0=$(date +%s)
start_proc 0
for k in $(seq 1 "$KILLS"); do
  wait_assigned
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 2.5), 2))')"
  kill -9 "$PROC_PID"; wait "$PROC_PID" 2>/dev/null || true
  log "kill $k/$KILLS: committed offsets $(committed)/$EVENTS"
  start_proc "$k"
done
wait_assigned
log "last restart done; waiting for every offset and every window"

# Offline expectation.
for p in $(seq 0 $((PARTS - 1))); do
  "$SP" replay --keys "$WORK/gen/keys.json" --input "$WORK/p$p.jsonl" --counts-out "$WORK/exp$p.csv" \
    --verdicts-out "$WORK/ver$p.jsonl" --now-ms "$NOW_MS" --allowed-lateness-ms "$LATENESS" >/dev/null
done

compare() {
  psqlq "select (extract(epoch from window_start)*1000)::bigint, scenario, district, verdict, sum(count) from counts_1m group by 1,2,3,4" >"$WORK/store.csv"
  kcat -b "$BROKERS" -C -t ykm.scans.rejected -e -q -f '%h\n' >"$WORK/rejected.txt"
  python3 - "$WORK" "$PARTS" <<'PY'
import collections, csv, json, sys
work, parts = sys.argv[1], int(sys.argv[2])
exp, got = collections.Counter(), collections.Counter()
rej_exp = set()
for p in range(parts):
    for r in list(csv.reader(open(f"{work}/exp{p}.csv")))[1:]:
        exp[tuple(r[:4])] += int(r[4])
    for line in open(f"{work}/ver{p}.jsonl"):
        o = json.loads(line)
        if o["verdict"] != "valid":
            rej_exp.add((str(p), str(o["line"] - 1)))
for r in csv.reader(open(f"{work}/store.csv")):
    if r: got[tuple(r[:4])] += int(r[4])
exp = +exp; got = +got
rej = set()
for line in open(f"{work}/rejected.txt"):
    h = dict(kv.split("=", 1) for kv in line.strip().split(",") if "=" in kv)
    rej.add((h.get("source.partition"), h.get("source.offset")))
diff = sorted(k for k in set(exp) | set(got) if exp[k] != got[k])
print(f"cells expected={len(exp)} got={len(got)} differing={len(diff)}; events counted expected={sum(exp.values())} got={sum(got.values())}; "
      f"rejected expected={len(rej_exp)} got={len(rej)} (missing {len(rej_exp - rej)}, unexpected {len(rej - rej_exp)})")
for k in diff[:20]:
    print("  ", ",".join(k), "expected", exp[k], "got", got[k])
sys.exit(0 if not diff and rej == rej_exp else 1)
PY
}

RESULT=1
for _ in $(seq 120); do
  kill -0 "$PROC_PID" 2>/dev/null || { echo "processor exited"; tail -20 "$WORK/processor.log"; break; }
  if [[ "$(committed)" == "$EVENTS" ]] && compare >"$WORK/compare.txt"; then RESULT=0; break; fi
  sleep 2
done
[[ $RESULT == 0 ]] || compare >"$WORK/compare.txt" || true
ELAPSED=$(( $(date +%s) - T0 ))
cat "$WORK/compare.txt"
EPOCHS=$(psqlq "select string_agg(partition||':'||epoch, ' ' order by partition) from partition_state")
LATE=$(psqlq "select coalesce(sum(late),0) from counts_1m")
log "$EVENTS events, $KILLS kills, $ELAPSED s, epochs [$EPOCHS], late $LATE, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $RESULT == 0 ]]; then echo "EXACT"; else echo "NOT EXACT"; KEEP=1; fi
exit $RESULT

#!/usr/bin/env bash
# Fuzzes the decoder, the verdict engine and the key-registry parser (issue 12 Must 7)
# for MINUTES minutes (default 10) with libFuzzer and AddressSanitizer, seeded with every
# line of the corpus (../shared/corpus/v1/events.jsonl) and its key registry.
#
#   scripts/fuzz.sh [MINUTES]
#
# Builds Fuzz/ (a package of its own, outside the normal `swift build`/`swift test`) in
# release mode with `-sanitize=fuzzer,address`, then runs one fuzzing process at nice 10.
# New interesting inputs go to Fuzz/.corpus/, crashes to Fuzz/.artifacts/ (crash-<sha1>);
# the last lines print libFuzzer's stats (executions, coverage) and the findings.
# Replay one finding: Fuzz/.build/release/FuzzDecoder Fuzz/.artifacts/crash-…
# Exits non-zero when libFuzzer found a crash, leak or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
case "$minutes" in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [MINUTES]  (whole minutes)" >&2; exit 64;; esac
shared="${STREAMPROC_SHARED:-$(cd .. && pwd)/shared}"
events="$shared/corpus/v1/events.jsonl"
keys="$shared/corpus/v1/keys.json"
[ -r "$events" ] && [ -r "$keys" ] || { echo "fuzz.sh: corpus not found under $shared (set STREAMPROC_SHARED)" >&2; exit 1; }

# Same dependency versions as the main build.
[ -f Package.resolved ] && cp Package.resolved Fuzz/Package.resolved
(cd Fuzz && nice -n 10 swift build -c release --product FuzzDecoder \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 | tail -n 3)
binary="$(cd Fuzz && swift build -c release --show-bin-path)/FuzzDecoder"

# Seeds: one file per corpus line, plus the registry itself.
seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
awk -v dir="$seeds" '{ f = sprintf("%s/line-%04d", dir, NR); printf "%s", $0 > f; close(f) }' "$events"
cp "$keys" "$seeds/keys.json"
mkdir -p Fuzz/.corpus Fuzz/.artifacts

echo "fuzz.sh: $minutes min, $(ls "$seeds" | wc -l) seeds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
export STREAMPROC_FUZZ_KEYS="$keys" STREAMPROC_FUZZ_EVENTS="$events"
status=0
nice -n 10 "$binary" Fuzz/.corpus "$seeds" \
    -max_total_time=$((minutes * 60)) -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix=Fuzz/.artifacts/ 2>Fuzz/.last-run.log || status=$?
grep -E '^(stat::|#[0-9]+ +DONE|==[0-9]+==ERROR|SUMMARY|Done )' Fuzz/.last-run.log || true
findings=$(ls Fuzz/.artifacts | wc -l)
echo "fuzz.sh: exit status $status, findings in Fuzz/.artifacts: $findings (full log: Fuzz/.last-run.log)"
exit $status

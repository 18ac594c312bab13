#!/usr/bin/env bash
# The README's test command and CI's: installs the system packages the tests need (as
# root, when missing), starts the tests' PostgreSQL (scripts/test-postgres.sh), builds
# once, then runs the tests in three groups, each its own `swift test` process:
#   1. the CPU-bound suites (Aggregates, ScanRules, LoadKit, LiveView), in parallel;
#   2. the suites that wait on a broker, PostgreSQL or a child process (KafkaIO,
#      StateStore, StreamProc), in parallel among themselves;
#   3. the process-level tests: exactly-once (kill -9, rebalance, zombie, store outage) and
#      signals (one SIGINT, SIGHUP then SIGTERM to `streamproc run`).
# Why groups: Swift Testing runs every test of a process on the cooperative pool (two
# threads on a 2-core machine); a debug-build SM2 differential that computes for two
# minutes there starves a PostgreSQL connect or a Kafka poll of a test beside it into a
# timeout. Separate processes let the kernel share the cores instead.
# Exits non-zero when any group fails (all groups run).
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t packages < scripts/apt-packages.txt  # one list for this script and .ci/run
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages; as root: apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${packages[@]}" || exit 1
fi
# The schema and deploy-file tests run `python3` with jsonschema and PyYAML.
python3 -c 'import jsonschema, yaml' 2>/dev/null || python3 -m pip install -q jsonschema pyyaml || exit 1
scripts/test-postgres.sh || exit 1
export STREAMPROC_TEST_POSTGRES="${STREAMPROC_TEST_POSTGRES:-postgres://streamproc:streamproc@127.0.0.1:5432/streamproc_test}"
swift build --build-tests 2>&1 | tail -n 5
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
status=0
bin=$(swift build --show-bin-path)
# Child processes the tests start (streamproc run, mock brokers) outlive a test process that
# crashes; left running they load the machine into the next group's timeouts. Once a group's
# `swift test` has exited, an orphan (parent pid 1) running from the build directory is such
# a leftover. A streamproc you started from the build keeps its shell as parent and is left
# alone (unless that shell has exited, e.g. after `nohup … &`). Killing an orphaned `bench`
# orphans its own children, so this repeats until none is left.
reap() {
  local pid real pass pids
  real=$(readlink -f "$bin")
  [ -n "$real" ] && [ -d "$real" ] || return 0
  for pass in 1 2 3 4 5; do
    pids=()
    for pid in $(ps -eo pid=,ppid= | awk '$2 == 1 { print $1 }'); do
      # The executable's real path: tests start .build/debug/streamproc, a symlink into $bin.
      case "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" in "$real"/*) pids+=("$pid") ;; esac
    done
    [ ${#pids[@]} -eq 0 ] && return 0
    echo "== killing ${#pids[@]} leftover process(es) of the test build: ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 1
  done
}
group() {
  echo "== swift test $*"
  swift test --skip-build "$@" 2>&1 || status=1
  reap
}
reap
group --filter '^(AggregatesTests|ScanRulesTests|LoadKitTests|LiveViewTests)\.'
processes='(ExactlyOnceProcessTests|ProcessSignalTests)'
group --filter '^(KafkaIOTests|StateStoreTests|StreamProcTests)\.' --skip "$processes"
group --filter "$processes"
exit $status

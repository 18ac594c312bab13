#!/bin/sh
# Signature verification beside its anchors, back to back (issue 11, BENCHMARKS.md):
# ROUNDS rounds of `bench verify-speed --json` then `openssl speed -seconds 2 sm2 ecdsap256
# ed25519`, the 1-minute load average before each command, and the medians over the rounds.
#
#   scripts/bench-anchors.sh [ROUNDS] [BENCH]     default 5 rounds, .build-release/release/bench
#
# Output: one line per command on standard error while it runs; a Markdown table and one JSON
# line (medians) on standard output. Needs python3 and openssl.
set -eu
ROUNDS=${1:-5}
BENCH=${2:-.build-release/release/bench}
[ -x "$BENCH" ] || { echo "no $BENCH: swift build -c release --scratch-path .build-release" >&2; exit 64; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
i=1
while [ "$i" -le "$ROUNDS" ]; do
    echo "round $i: bench verify-speed (load $(load))" >&2
    printf '%s ' "$(load)" > "$TMP/verify-$i"
    "$BENCH" verify-speed --json >> "$TMP/verify-$i"
    echo "round $i: openssl speed (load $(load))" >&2
    printf '%s\n' "$(load)" > "$TMP/openssl-$i"
    openssl speed -seconds 2 sm2 ecdsap256 ed25519 2>/dev/null >> "$TMP/openssl-$i"
    i=$((i + 1))
done
python3 - "$TMP" "$ROUNDS" <<'EOF'
import json, re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
rows = []
for i in range(1, n + 1):
    vload, vjson = open(f"{d}/verify-{i}").read().split(" ", 1)
    v = json.loads(vjson)
    lines = open(f"{d}/openssl-{i}").read().splitlines()
    oload, o = lines[0], {}
    for line in lines[1:]:
        m = re.match(r"\s*\d+ bits (ecdsa \(nistp256\)|EdDSA \(Ed25519\)|SM2 \(CurveSM2\))\s+\S+\s+\S+\s+(\S+)\s+(\S+)", line)
        if m:
            name = {"ecdsa (nistp256)": "ES256", "EdDSA (Ed25519)": "Ed25519", "SM2 (CurveSM2)": "SM2"}[m.group(1)]
            o[name] = float(m.group(3))
    rows.append((float(vload), float(oload), v, o))
algs = ["SM2", "ES256", "Ed25519"]
print("| round | load (verify) | " + " | ".join(f"{a} one core | {a} all cores | openssl {a}" for a in algs) + " | load (openssl) |")
print("|---:|---:|" + "---:|---:|---:|" * len(algs) + "---:|")
for i, (vl, ol, v, o) in enumerate(rows, 1):
    cells = [f"{v[a]['one_core']:,} | {v[a]['all_cores']:,} | {o.get(a, 0):,.0f}" for a in algs]
    print(f"| {i} | {vl:.2f} | " + " | ".join(cells) + f" | {ol:.2f} |")
med = {}
for a in algs:
    one = statistics.median(r[2][a]["one_core"] for r in rows)
    allc = statistics.median(r[2][a]["all_cores"] for r in rows)
    ossl = statistics.median(r[3].get(a, 0) for r in rows)
    med[a] = {"one_core": one, "all_cores": allc, "openssl_verify_per_s": ossl,
              "one_core_over_openssl": round(one / ossl, 2) if ossl else None}
cells = [f"**{med[a]['one_core']:,.0f}** | {med[a]['all_cores']:,.0f} | {med[a]['openssl_verify_per_s']:,.0f}" for a in algs]
print(f"| median | {statistics.median(r[0] for r in rows):.2f} | " + " | ".join(cells)
      + f" | {statistics.median(r[1] for r in rows):.2f} |")
print(json.dumps({"rounds": n, "median": med}))
EOF

#!/bin/sh
# SM2 one-core verify vs `openssl speed sm2`, interleaved 3 times (same noise for both).
cd "$(dirname "$0")/.."
for i in 1 2 3; do
  .build/release/bench verify-speed --only SM2 --runs 1 --seconds 2 --json
  openssl speed -seconds 2 sm2 2>/dev/null | grep "SM2 (CurveSM2)"
done

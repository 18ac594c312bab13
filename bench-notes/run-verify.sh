#!/bin/sh
# Runs verify-speed (median of 5 internal runs) and openssl speed back to back.
set -e
cd "$(dirname "$0")/.."
date -u; uptime; nproc; grep -m1 "model name" /proc/cpuinfo
.build/release/bench verify-speed --runs 5 --seconds 1
.build/release/bench verify-speed --runs 5 --seconds 1 --json
openssl speed -seconds 2 sm2 ecdsap256 ed25519 2>/dev/null | grep -E "verify/s|bits (SM2|ecdsa|EdDSA)"
uptime

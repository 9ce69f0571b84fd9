#!/usr/bin/env bash
# Sets up, builds with warnings as errors, and runs every test (unit and integration).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

export SPLITSOC_WERROR=1
echo "test: swift build (warnings are errors)"
swift build
# --no-parallel: the integration tests start real core processes in real-clock mode, whose
# liveness budget is 250 ms; run side by side on 2 cores they starve each other into fail-safe,
# which would be a true fail-safe, not a bug. One test at a time keeps them honest.
echo "test: swift test --no-parallel"
swift test --no-parallel
echo "test: all tests passed"

#!/usr/bin/env bash
# Sets up, builds with warnings as errors, and runs every test (unit and integration).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

export SPLITSOC_WERROR=1
echo "test: swift build (warnings are errors)"
swift build
echo "test: swift test"
swift test
echo "test: all tests passed"

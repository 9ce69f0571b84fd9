#!/usr/bin/env bash
# Sets up, builds, and runs the main job: `splitsoc demo`, both cores as separate processes telling
# the story (regulation, hot swap, a contained module fault, the application core killed and
# restarted). It ends with a summary and writes summary.json and report.html (path printed).
# Extra arguments go to `splitsoc demo` (e.g. scripts/demo.sh --board thermo-i2c --transport tcp).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# All three products: the demo starts splitsoc-rt and splitsoc-app from splitsoc's own folder.
echo "demo: swift build -c release (the first build takes a few minutes)"
swift build -c release
bin=$(swift build -c release --show-bin-path)
echo "demo: $bin/splitsoc demo $*"
exec "$bin/splitsoc" demo "$@"

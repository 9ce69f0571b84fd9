#!/usr/bin/env bash
# Sets up, builds, and runs the main job: for now the two-process bridge ping (`splitsoc ping`),
# which prints round-trip percentiles for framed frames and raw libzmq over ipc:// and tcp://.
# Extra arguments go to `splitsoc ping` (e.g. scripts/demo.sh --count 50000).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "demo: swift build -c release --product splitsoc"
swift build -c release --product splitsoc
bin=$(swift build -c release --show-bin-path)
echo "demo: $bin/splitsoc ping $*"
exec "$bin/splitsoc" ping "$@"

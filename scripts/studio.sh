#!/usr/bin/env bash
# Sets up, builds in release mode and starts `splitsoc studio`: both cores and a relay as real
# processes, and the live teaching page on http://127.0.0.1:8080/ (the URL is printed; open it in
# a browser). Ctrl-C stops everything. Extra arguments go to `splitsoc studio`
# (e.g. scripts/studio.sh --board motor-1k --port 9000, or --host 0.0.0.0 for the room's network).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "studio: swift build -c release (the first build takes a few minutes)"
swift build -c release
bin=$(swift build -c release --show-bin-path)
echo "studio: $bin/splitsoc studio $*"
exec "$bin/splitsoc" studio "$@"

#!/usr/bin/env bash
# Fuzzes the v1 frame decoder with libFuzzer (+ AddressSanitizer), seeded from the golden vectors.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]      (default 60 s)
#
# Builds .build-fuzz/frame-decode from Sources/SoCWire/*.swift + Fuzz/FrameDecode/*.swift with
#   swiftc -sanitize=fuzzer,address -parse-as-library -O -use-ld=lld
# writes one seed file per vector of protocol/vectors/v1.vectors into .build-fuzz/seeds, keeps the
# growing corpus in .build-fuzz/corpus, and crash inputs in .build-fuzz/artifacts. A crash input
# replays with: .build-fuzz/frame-decode .build-fuzz/artifacts/crash-<hash>
# Not part of `swift test` (the suite runs the seeded property tests instead).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
out=.build-fuzz
mkdir -p "$out/seeds" "$out/corpus" "$out/artifacts"

swiftc -sanitize=fuzzer,address -parse-as-library -O -use-ld=lld \
    -module-name FrameDecodeFuzz \
    Sources/SoCWire/*.swift Fuzz/FrameDecode/*.swift \
    -o "$out/frame-decode"

# One seed per vector line: "valid|invalid <name> <hex> ...", "-" is the empty input.
while read -r record name hex _; do
    case "$record" in valid|invalid) ;; *) continue ;; esac
    if [ "$hex" = "-" ]; then : > "$out/seeds/$name"; else printf '%s' "$hex" | xxd -r -p > "$out/seeds/$name"; fi
done < protocol/vectors/v1.vectors

exec "$out/frame-decode" "$out/corpus" "$out/seeds" \
    -max_total_time="$seconds" -max_len=1100 -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"

#!/usr/bin/env bash
# Prepares this machine to build SplitSoC: installs libzmq's headers and pkg-config with apt-get
# when they are missing, chromium and (with pip) playwright and pytest for the studio's browser
# test, and checks the Swift toolchain. Prints what it did. Safe to run again.
set -euo pipefail

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- system packages: libzmq3-dev (zmq.h, libzmq.so, libzmq.pc) and pkg-config -----------------
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzmq; } \
    && ! dpkg -s libzmq3-dev >/dev/null 2>&1; then
    missing+=(libzmq3-dev)
fi

# rt-tests gives cyclictest, the same-run baseline of `splitsoc bench` for loop lateness.
command -v cyclictest >/dev/null 2>&1 || missing+=(rt-tests)

# Rust modules: Debian's rustc with its wasm32 standard library (a rustup toolchain on PATH has
# none and cannot get one offline); FirmwareBuild calls /usr/bin/rustc explicitly.
[ -x /usr/bin/rustc ] || missing+=(rustc)
[ -d /usr/lib/rustlib/wasm32-unknown-unknown ] || missing+=(libstd-rust-dev-wasm32)

# C modules against wasi-libc (FirmwareBuild `toolchain = wasi-c`): Debian's clang 14, its linker,
# wasi-libc and the wasm32 compiler builtins.
for package in clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done

# The studio's browser test drives Debian's chromium (Playwright's executable_path: no browser
# download); pip installs Playwright and pytest below.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)

if [ ${#missing[@]} -eq 0 ]; then
    say "libzmq3-dev, pkg-config, rt-tests, Debian's rustc for wasm32, clang-14 with wasi-libc, chromium and pip already installed (libzmq $(pkg-config --modversion libzmq))"
else
    command -v apt-get >/dev/null 2>&1 \
        || fail "missing ${missing[*]} and apt-get is not available: install them with your package manager"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        fail "missing ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' (needs root; sudo is not available without a password)"
    fi
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq || fail "apt-get update failed"
    "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
    pkg-config --exists libzmq || fail "libzmq is still not visible to pkg-config after installing ${missing[*]}"
    say "installed ${missing[*]} (libzmq $(pkg-config --modversion libzmq))"
fi

# --- the studio's browser test: Playwright + pytest for Python (chromium and pip come from apt) --
python_missing=()
python3 -c 'import playwright' >/dev/null 2>&1 || python_missing+=(playwright)
python3 -m pytest --version >/dev/null 2>&1 || python_missing+=(pytest)
if [ ${#python_missing[@]} -eq 0 ]; then
    say "playwright and pytest already installed"
else
    command -v python3 >/dev/null 2>&1 || fail "python3 is missing: install python3 and python3-pip"
    say "installing ${python_missing[*]} with pip"
    # Debian may mark its Python as externally managed: then say so explicitly.
    python3 -m pip install -q "${python_missing[@]}" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "${python_missing[@]}" \
        || fail "pip install ${python_missing[*]} failed"
    say "installed ${python_missing[*]}"
fi

# --- Swift 6.3 or later ----------------------------------------------------------------------------
command -v swift >/dev/null 2>&1 || fail "swift is not on PATH: install Swift 6.3 or later from https://swift.org/install"
version_line=$(swift --version 2>&1 | grep -m1 -o 'Swift version [0-9][0-9.]*' || true)
version=${version_line#Swift version }
[ -n "$version" ] || fail "cannot read the Swift version from 'swift --version'"
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -lt 3 ]; }; then
    fail "Swift $version found; SplitSoC needs Swift 6.3 or later"
fi
say "Swift $version"

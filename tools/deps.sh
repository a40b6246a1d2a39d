#!/bin/sh
# Installs Debian packages when any of them is missing: by default those the
# engine, its tests and its demo need; with arguments, those named instead
# (bench/bench.mk names the benchmark's). Runs apt-get as root, or through
# sudo, and only when something is missing.
set -e
PKGS="build-essential pkg-config liblmdb-dev libstemmer-dev libutf8proc-dev \
libstreamvbyte-dev libzstd-dev libcjson-dev libcriterion-dev zlib1g-dev \
liblzma-dev libedit-dev libjemalloc-dev clang libclang-rt-14-dev"
[ $# -gt 0 ] && PKGS="$*"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

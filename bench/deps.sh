#!/bin/sh
# Installs the Debian packages the benchmark needs beyond the engine's own
# (tools/deps.sh): the peers' libraries, a C++ compiler, python3 for the
# driver, gnuplot for the plots, xz for the combined dump. Runs apt-get as
# root, or through sudo, only when something is missing.
set -e
PKGS="build-essential g++ pkg-config libxapian-dev libsqlite3-dev \
libcjson-dev python3 gnuplot-nox xz-utils time"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "bench deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

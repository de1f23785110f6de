#!/usr/bin/env bash
# From a fresh machine to a working ural-access, installing only what is missing.
#
#   bash scripts/setup.sh run    # then runs the Urals default: output/urals/{results,maps}
#   bash scripts/setup.sh test   # then runs the test suite (what CI runs: .ci/run)
#   bash scripts/setup.sh        # only installs
#
# Installs, each only if missing: the system packages (a venv-capable Python, headless
# Chromium and a font for the maps' PNGs and browser tests, Node.js and npm for the map
# assets, osmium-tool for the tests), the virtual environment .venv with the package and
# its test tools, the pinned map assets (so maps open offline), and, for `test`, OSRM's
# Python bindings in .venv-osrm (the osrm-car rule tests compare with a real OSRM).
# Idempotent: a second run installs nothing and says nothing about what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-install}"
case "$mode" in
  run | test | install) ;;
  *)
    echo "usage: bash scripts/setup.sh [run|test]" >&2
    exit 2
    ;;
esac

say() { echo "== $*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${_apt_updated:-}" ]; then
    as_root apt-get update -qq
    _apt_updated=1
  fi
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- system packages -------------------------------------------------------------
need=()
probe="$(mktemp -d)" # Debian's python3 makes a venv only with python3-venv installed
python3 -m venv "$probe/venv" >/dev/null 2>&1 || need+=(python3-venv)
rm -rf "$probe"
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
# A Node.js that brings its own npm (NodeSource, nvm) must not get Debian's npm on top.
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ "$mode" = test ]; then
  command -v osmium >/dev/null 2>&1 || need+=(osmium-tool) # tests cut real extracts with it
fi
if [ ${#need[@]} -gt 0 ]; then
  say "system packages: ${need[*]}"
  apt_install "${need[@]}"
fi

# --- the package, in a virtual environment -----------------------------------------
# Reinstalled only when pyproject.toml changed since the last install (its hash is kept).
stamp=".venv/.ural-access-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if ! [ -x .venv/bin/python ]; then
  say "virtual environment .venv"
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! command -v ural-access >/dev/null 2>&1; then
  say "ural-access and its test tools into .venv (pip install -e '.[test]')"
  python -m pip install --quiet --disable-pip-version-check -e ".[test]"
  echo "$want" >"$stamp"
fi

# --- map assets (Leaflet, folium's plugins), so that the maps open offline ---------
if ! ural-access setup-assets --check >/dev/null 2>&1; then
  say "map assets (npm, pinned versions; once)"
  ural-access setup-assets
fi

# --- OSRM for the osrm-car rule tests ----------------------------------------------
if [ "$mode" = test ]; then
  # osrm-bindings has wheels for Python >= 3.12 only: its own venv, named to the tests by
  # URAL_ACCESS_OSRM_PYTHON. About 70 MB, 10-30 s to install from PyPI.
  if ! [ -x .venv-osrm/bin/python ] || ! .venv-osrm/bin/python -c "import osrm" 2>/dev/null; then
    say "OSRM's Python bindings into .venv-osrm"
    base=""
    for c in python3.13 python3.12 "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.1[2-9]*/bin/python3; do
      if command -v "$c" >/dev/null 2>&1 \
        && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        base="$(command -v "$c")"
        break
      fi
    done
    if [ -z "$base" ]; then
      apt_install python3.12 python3.12-venv \
        || { echo "no Python >= 3.12 here for osrm-bindings" >&2; exit 1; }
      base="$(command -v python3.12)"
    fi
    rm -rf .venv-osrm
    "$base" -m venv .venv-osrm
    .venv-osrm/bin/python -m pip install --quiet --disable-pip-version-check osrm-bindings
  fi
  export URAL_ACCESS_OSRM_PYTHON="$PWD/.venv-osrm/bin/python"
fi

# --- what was asked --------------------------------------------------------------
case "$mode" in
  run)
    say "the Urals default (bundled roads, offline): ural-access run"
    ural-access run
    echo "Open output/urals/maps/index.html; the tables are in output/urals/results/."
    ;;
  test)
    say "tests (one worker more than the cores; a file's tests stay on one worker)"
    python -m pytest -q -n auto --dist loadfile
    ;;
esac

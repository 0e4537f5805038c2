#!/usr/bin/env bash
# NoiseLoom set-up: system libraries, .venv, the right torch build, the project; then the demo or the tests.
#   bash installer/bootstrap.sh setup   # only the set-up
#   bash installer/bootstrap.sh demo    # set-up, then the demo job headless, results under out/demo/
#   bash installer/bootstrap.sh test    # set-up with test extras, then the whole test suite
# A second run reuses .venv and skips installing when nothing changed.
set -euo pipefail

mode="${1:-setup}"
case "$mode" in setup|demo|test) ;; *) echo "usage: $0 setup|demo|test" >&2; exit 2 ;; esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
say() { printf '\033[1mbootstrap:\033[0m %s\n' "$*" >&2; }

# ---- system libraries --------------------------------------------------------------------------
# libportaudio2: sounddevice (playback, recording). The rest: Qt's offscreen and xcb platforms.
apt_packages=(libportaudio2 libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0)
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      say "installing system libraries: ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      say "missing system libraries; please run: sudo apt-get install -y ${missing[*]}"
    fi
  fi
fi

# ---- Python and the virtual environment ----------------------------------------------------------
python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "NoiseLoom needs Python >= 3.11 (found $("$python" --version 2>&1)); set PYTHON=..." >&2; exit 1; }
[[ -x "$venv/bin/python" ]] || { say "creating $venv"; "$python" -m venv "$venv"; }
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)

extras="gui"
[[ "$mode" == test ]] && extras="test"
stamp="$venv/.noiseloom-installed"
want="$(cat pyproject.toml installer/bootstrap.sh installer/runtime.py | sha256sum | cut -c1-16)"
installed="$(cat "$stamp" 2>/dev/null || true)"
if [[ "$installed" == "$want $extras" || ( "$extras" == gui && "$installed" == "$want test" ) ]]; then
  say "environment up to date"
else
  # torch first: the CUDA build where an NVIDIA GPU answers, else the much smaller CPU build
  if ! "$venv/bin/python" -c 'import torch' 2>/dev/null; then
    say "installing the $("$venv/bin/python" installer/runtime.py device) build of torch"
    "$venv/bin/python" installer/runtime.py torch --python "$venv/bin/python"
  fi
  say "installing noiseloom[$extras]"
  "${pip[@]}" install -e ".[$extras]"
  echo "$want $extras" > "$stamp"
fi

export PATH="$venv/bin:$PATH"
case "$mode" in
  setup) say "ready: source .venv/bin/activate; noiseloom doctor" ;;
  demo)  exec "$venv/bin/noiseloom" demo --out "$root/out/demo" ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    exec "$venv/bin/python" -m pytest -q -p no:cacheprovider ;;
esac

#!/usr/bin/env bash
# Build the NoiseLoom desktop bundle: the project's wheel + a frozen launcher (PyInstaller, one file).
#   bash installer/desktop/build.sh [OUT_DIR] [--install]
# OUT_DIR (default dist/desktop) receives noiseloom-launcher, the wheel, resources/ and noiseloom.desktop.
# --install copies the launcher to ~/.local/bin, the resources to ~/.local/share/noiseloom/resources
# and the desktop entry to ~/.local/share/applications.
# The heavy dependencies (torch, diffusers, Qt...) are not in the bundle: the launcher installs them
# into a runtime venv on first run, per device type (CPU or CUDA).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/dist/desktop}"
[[ "$out" == --install ]] && out="$root/dist/desktop"
python="${PYTHON:-$( [[ -x "$root/.venv/bin/python" ]] && echo "$root/.venv/bin/python" || echo python3)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

"$python" -m pip wheel -q --no-deps --no-build-isolation -w "$work/wheel" "$root"
wheel="$(ls "$work"/wheel/noiseloom-*.whl)"
"$python" -m PyInstaller --onefile --name noiseloom-launcher --log-level WARN \
  --distpath "$out" --workpath "$work/build" --specpath "$work" \
  --paths "$root/installer" \
  --add-data "$wheel:." \
  --add-data "$root/installer/desktop/launcher.py:." \
  --add-data "$root/installer/runtime.py:." \
  "$root/installer/desktop/launcher.py"
cp "$wheel" "$out/"
cp "$root/installer/desktop/noiseloom.desktop" "$out/"
rm -rf "$out/resources"
cp -r "$root/resources" "$out/resources"
echo "built $out/noiseloom-launcher ($(du -h "$out/noiseloom-launcher" | cut -f1)) with $(basename "$wheel")"

if [[ " $* " == *" --install "* ]]; then
  mkdir -p ~/.local/bin ~/.local/share/applications
  install -m 0755 "$out/noiseloom-launcher" ~/.local/bin/
  mkdir -p ~/.local/share/noiseloom
  rm -rf ~/.local/share/noiseloom/resources
  cp -r "$out/resources" ~/.local/share/noiseloom/resources
  install -m 0644 "$out/noiseloom.desktop" ~/.local/share/applications/
  echo "installed ~/.local/bin/noiseloom-launcher and the NoiseLoom desktop entry"
fi

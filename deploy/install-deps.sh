#!/usr/bin/env bash
# Installs what is missing on a Debian/Ubuntu machine. Idempotent: fast when all is there.
#   deploy/install-deps.sh run    - what `make run` needs (python3-venv, node/npm)
#   deploy/install-deps.sh test   - plus the real components the tests drive
set -euo pipefail
want="${1:-run}"

packages=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || packages+=("$1"); }

command -v npm >/dev/null 2>&1 || { need nodejs; need npm; }
python3 -c 'import venv, ensurepip' 2>/dev/null || need python3-venv
if [ "$want" = "test" ]; then
  # OBS 29 (obs-websocket 5.1) headless under Xvfb, a CJK font for the overlays,
  # nginx-rtmp for RTMP->HLS, nginx-nchan for the public fan-out (tests/fanout), ffmpeg,
  # Chromium for Playwright (never `playwright install`).
  for p in obs-studio xvfb fonts-wqy-zenhei fontconfig nginx libnginx-mod-rtmp libnginx-mod-nchan ffmpeg chromium; do need "$p"; done
  command -v pg_ctlcluster >/dev/null 2>&1 || need postgresql
  command -v redis-server >/dev/null 2>&1 || need redis-server
fi

if [ ${#packages[@]} -gt 0 ]; then
  echo "installing: ${packages[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

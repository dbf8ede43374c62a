#!/usr/bin/env bash
# Installs the Debian packages Retain needs, only those that are missing. Extra package names
# given as arguments are installed too (CI adds chromium to check the HTML report).
set -euo pipefail
need=()
for pkg in libopenblas-dev libdnnl-dev libsqlite3-dev "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
command -v swift >/dev/null || { echo "error: swift (6.0 or newer) is not on PATH" >&2; exit 1; }

#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's Chromium through Playwright, using the
# system executable (no browser download). Installs it when it is missing.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null \
    || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null; }
command -v chromium >/dev/null

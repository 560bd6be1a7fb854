#!/usr/bin/env bash
# The inbox page's browser tests drive Debian's Chromium (never a downloaded browser build).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
chromium --version

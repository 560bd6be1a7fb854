#!/usr/bin/env bash
# PostgreSQL server binaries (initdb, pg_ctl, postgres) for tests/postgres/: each test session starts its own
# throw-away server from them on a free loopback port. Idempotent: nothing to do when they are installed.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq postgresql >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "postgresql installed but initdb not found" >&2; exit 1; }

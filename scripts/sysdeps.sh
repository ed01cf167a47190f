#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when they are missing.
# - PostgreSQL server: store tests run against SQLite and PostgreSQL.
# - Chromium and CJK fonts: browser tests (Playwright drives Debian's Chromium) and the
#   report check render pages with Chinese text.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "sysdeps: missing Debian packages: ${need[*]} (run as root to install them: apt-get install ${need[*]})" >&2
  exit 0
fi
echo "sysdeps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

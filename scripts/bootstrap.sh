#!/usr/bin/env bash
# Set up wenshu on a fresh machine, then run the demo or the whole test suite.
#   scripts/bootstrap.sh demo    # install, build the demo district, then serve the web app on it
#                                # (--no-serve, or WENSHU_DEMO_SERVE=0, stops after the demo)
#   scripts/bootstrap.sh test    # install, then run every test (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in demo|test) ;; *) echo "usage: $0 demo [--no-serve] | test" >&2; exit 2 ;; esac
shift

# 1. LibreOffice, the CJK fonts, poppler and (for tests) Chromium (Debian packages), where missing.
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
# The warm PDF converter drives LibreOffice over UNO from the system Python.
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || missing+=(python3-uno)
fonts="$(fc-list 2>/dev/null || true)"
grep -q "Noto Serif CJK" <<<"$fonts" || missing+=(fonts-noto-cjk)
grep -q "AR PL UKai" <<<"$fonts" || missing+=(fonts-arphic-ukai)
# Times New Roman's metric twin, for digits and Latin text (the layout profile's latin faces).
grep -q "Liberation Serif" <<<"$fonts" || missing+=(fonts-liberation2)
# The web app shows PDF pages as images (pdftoppm); tests drive it in Chromium.
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ "$mode" = demo ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "wenshu needs: ${missing[*]} (Debian packages); install them as root and rerun." >&2
    exit 1
  fi
  echo "installing ${missing[*]} ..."
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# 2. Python dependencies in a local virtual environment, at the tested versions.
python=python3.11
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then "$python" -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'

# 3. Run.
if [ "$mode" = demo ]; then
  exec .venv/bin/wenshu demo "$@"
fi
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  # The PostgreSQL tests need the local server; start it if it is installed but stopped.
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
exec .venv/bin/python -m pytest -q "$@"

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
# LibreOffice 25.2 or later (Debian 12 has 7.4: its conversions take a third longer);
# the warm PDF converter drives it over UNO from the system Python.
lo_version="$(soffice --version 2>/dev/null | awk '{print $2}' || true)"
lo_major="${lo_version%%.*}"
libreoffice=()
if ! [[ "$lo_major" =~ ^[0-9]+$ ]] || ((lo_major < 25)) || ! /usr/bin/python3 -c "import uno" \
    >/dev/null 2>&1; then
  libreoffice=(libreoffice-writer-nogui python3-uno)
fi
fonts="$(fc-list 2>/dev/null || true)"
grep -q "Noto Serif CJK" <<<"$fonts" || missing+=(fonts-noto-cjk)
grep -q "AR PL UKai" <<<"$fonts" || missing+=(fonts-arphic-ukai)
# Times New Roman's metric twin, for digits and Latin text (the layout profile's latin faces).
grep -q "Liberation Serif" <<<"$fonts" || missing+=(fonts-liberation2)
# The web app shows PDF pages as images (pdftoppm); tests drive it in Chromium.
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ "$mode" = demo ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
if ((${#missing[@]} + ${#libreoffice[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "wenshu needs: ${libreoffice[*]} ${missing[*]} (Debian packages; LibreOffice 25.2 or" \
      "later); install them as root and rerun." >&2
    exit 1
  fi
  echo "installing ${libreoffice[*]} ${missing[*]} ..."
  release=()
  if ((${#libreoffice[@]})) && [ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = bookworm ]
  then
    # Debian 12 has LibreOffice 7.4; its backports carry 25.2.
    echo "deb http://deb.debian.org/debian bookworm-backports main" |
      "${sudo[@]}" tee /etc/apt/sources.list.d/wenshu-bookworm-backports.list >/dev/null
    release=(-t bookworm-backports)
  fi
  "${sudo[@]}" apt-get update -qq
  export DEBIAN_FRONTEND=noninteractive
  if ((${#libreoffice[@]})); then
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${release[@]}" \
      "${libreoffice[@]}" >/dev/null
  fi
  if ((${#missing[@]})); then
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# 2. Python dependencies in a local virtual environment, at the tested versions.
python=python3.11
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then "$python" -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
# wenshu's own bytecode, as pip writes it for installed packages (an editable install
# has none): a process where Python may not write it (PYTHONDONTWRITEBYTECODE, a
# read-only folder) would compile every module it imports, ≈0.3 s per document command.
.venv/bin/python -m compileall -q wenshu models generators archive workflows web templates >/dev/null
# TrueType copies of the CJK fonts for LibreOffice (once per machine, ≈2-3 min): faster,
# smaller PDFs than the system's CFF faces, which still serve until the copies exist.
.venv/bin/python -m wenshu.generators.office_fonts

# 3. Run.
if [ "$mode" = demo ]; then
  exec .venv/bin/wenshu demo "$@"
fi
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  # The PostgreSQL tests need the local server; start it if it is installed but stopped.
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
exec .venv/bin/python -m pytest -q "$@"

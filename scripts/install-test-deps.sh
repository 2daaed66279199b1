#!/usr/bin/env bash
# Make sure the system programs the test suite drives are present:
#   /usr/bin/chromium                        (Debian package: chromium)
#   /usr/lib/postgresql/*/bin/initdb, pg_ctl (Debian package: postgresql)
#   npm                                      (Debian package: npm; installs JupyterHub's proxy
#                                             for deploy/, issue #9)
#   soffice                                  (Debian package: libreoffice-calc-nogui; saves
#                                             return workbooks as LibreOffice would, issue #6)
# As root, missing ones are installed with apt-get; otherwise the exact packages are
# named and the script exits non-zero. Playwright's own browser download is never used.
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
command -v npm >/dev/null || missing+=(npm)  # JupyterHub's proxy for deploy/ (issue #9)

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-test-deps: chromium, postgresql, libreoffice-calc-nogui and npm are present"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "install-test-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-test-deps: install them with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "install-test-deps: installing Debian packages: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"

[[ -x /usr/bin/chromium ]] || { echo "install-test-deps: /usr/bin/chromium still missing" >&2; exit 1; }
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
    || { echo "install-test-deps: PostgreSQL server binaries still missing" >&2; exit 1; }
command -v soffice >/dev/null || { echo "install-test-deps: soffice still missing" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-test-deps: npm still missing" >&2; exit 1; }
echo "install-test-deps: done"

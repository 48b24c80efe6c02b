#!/bin/sh
# Offline install on Linux: take the first Python 3.11+ this bundle has wheels for and let
# install.py make ./venv from ./wheels. PYTHON=/path/to/python3.12 ./install.sh picks one.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
for python in "${PYTHON:-}" python3.14 python3.13 python3.12 python3.11 python3; do
  [ -n "$python" ] || continue
  command -v "$python" >/dev/null 2>&1 || continue
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || continue
  if "$python" "$here/install.py" --check; then
    exec "$python" "$here/install.py" "$@"
  fi
  fallback=$python
done
if [ -n "${fallback:-}" ]; then
  # A Python that does not fit: install.py says which versions would.
  exec "$fallback" "$here/install.py" "$@"
fi
echo "Python 3.11 以上が見つかりません。Python をインストールするか、PYTHON=/path/to/python3 ./install.sh のように指定してください。" >&2
exit 2

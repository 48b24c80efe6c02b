#!/bin/sh
# Launcher: with arguments, runs sasaeai with them; without, opens the web page (sasaeai serve)
# when this version has it, else shows the commands.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exe="$here/venv/bin/sasaeai"
if [ ! -x "$exe" ]; then
  echo "sasaeai はまだインストールされていません。先に $here/install.sh を実行してください。" >&2
  exit 2
fi
if [ "$#" -gt 0 ]; then
  exec "$exe" "$@"
fi
# Start in the home folder, so serve's default output folder is not inside the bundle,
# which an update replaces.
cd "$HOME" 2>/dev/null || true
if "$exe" serve --help >/dev/null 2>&1; then
  exec "$exe" serve
fi
exec "$exe" --help

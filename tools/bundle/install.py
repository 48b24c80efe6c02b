"""Install sasaeai from this bundle's wheels into a venv beside it, without any network.

Started by install.bat / install.sh with a Python 3.11 or newer. Uses only the standard library:
nothing else is installed yet. Its messages live here, not in generator/messages.py, for the
same reason. Running it again replaces the venv, which is how a new bundle is installed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = "sasaeai"

NO_INFO = "bundle.json がないか壊れています。バンドルのフォルダをすべてコピーしたか確かめてください: {path}"
WRONG_PLATFORM = "このバンドルは {served} 用です。この PC（{system} {machine}）には使えません。"
WRONG_PYTHON = ("この Python（{version}）用の部品がバンドルにありません。Python {served} のいずれかで実行してください"
                "（Windows では python.org のインストーラーで入れ、install.bat を実行し直します）。")
NO_VENV = ("仮想環境を作れませんでした（{error}）。sasaeai の画面やコマンドが動いていれば終了してから、もう一度実行してください。"
           "フォルダに書き込めるか（読み取り専用の媒体の上でないか）も確かめてください。Debian・Ubuntu では python3-venv パッケージが必要です。")
PIP_FAILED = "オフラインのインストールに失敗しました（終了コード {code}）。上の pip の表示を確認してください。"
CHECK_FAILED = "インストールしましたが sasaeai を起動できませんでした（終了コード {code}）。"
PATH_TOO_LONG = ("このフォルダのパスは {length} 文字で、Windows では長すぎます（部品のファイルが 260 文字の上限を超えます）。"
                 "C:\\sasaeai のような短い場所にバンドルを置いてから、もう一度実行してください。")
STEP_VENV = "仮想環境を作っています: {path}"
STEP_PIP = "sasaeai {version} をインストールしています（インターネットは使いません）…"
DONE = "インストールが完了しました（{installed}）。起動するには {launcher} を実行してください。"

# Windows paths stop at 259 characters. The deepest file a wheel installs lies 106 characters below
# site-packages (a matplotlib-fontja licence), and venv\Lib\site-packages\ adds 24.
MAX_BUNDLE_PATH_WINDOWS = 259 - 106 - 24

_SYSTEMS = {"windows": ("Windows", {"amd64", "x86_64"}), "linux": ("Linux", {"x86_64", "amd64"})}
_LABELS = {"windows": "Windows x64", "linux": "Linux x64"}


def _platform_key() -> str | None:
    for key, (system, machines) in _SYSTEMS.items():
        if platform.system() == system and platform.machine().lower() in machines:
            return key
    return None


def _long_paths_enabled() -> bool:
    """True when Windows lifts the 260-character limit (LongPathsEnabled, which the python.org installer offers)."""
    try:
        import winreg
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\FileSystem") as key:
            return winreg.QueryValueEx(key, "LongPathsEnabled")[0] == 1
    except (ImportError, OSError):
        return False


def venv_program(venv: Path, name: str) -> Path:
    """A program inside `venv` (Scripts\\NAME.exe on Windows, bin/NAME elsewhere)."""
    return venv / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def main(argv: list[str] | None = None) -> int:
    """Check the bundle fits this PC, make the venv, install from wheels/ with no index; 0 when done."""
    for stream in (sys.stdout, sys.stderr):
        # Output redirected to a file on Windows is cp932: a folder name it cannot spell must not stop the install.
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = argparse.ArgumentParser(description="バンドルから sasaeai をオフラインでインストールします。")
    parser.add_argument("--check", action="store_true",
                        help="この Python と PC にバンドルが合うかだけを調べます（合えば終了コード 0）")
    args = parser.parse_args(argv)
    venv = HERE / "venv"      # where the launchers look
    try:
        info = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
        served, version_wanted = dict(info["platforms"]), str(info["version"])
    except (OSError, ValueError, TypeError, KeyError):
        print(NO_INFO.format(path=HERE), file=sys.stderr)
        return 2
    key = _platform_key()
    if key not in served:
        if args.check:
            return 2
        print(WRONG_PLATFORM.format(served="・".join(_LABELS[k] for k in served), system=platform.system(),
                                    machine=platform.machine()), file=sys.stderr)
        return 2
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    if version not in served[key]:
        if args.check:
            return 2
        print(WRONG_PYTHON.format(version=platform.python_version(), served="・".join(served[key])), file=sys.stderr)
        return 2
    if args.check:
        return 0
    if key == "windows" and len(str(HERE)) > MAX_BUNDLE_PATH_WINDOWS and not _long_paths_enabled():
        print(PATH_TOO_LONG.format(length=len(str(HERE))), file=sys.stderr)
        return 2

    print(STEP_VENV.format(path=venv), flush=True)
    # --clear: a second run (a new bundle) starts from nothing, so no old package lingers.
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)],
                          capture_output=True, text=True, errors="replace")
    python = venv_program(venv, "python")
    if made.returncode or not python.exists():
        said = (made.stderr or made.stdout).strip().splitlines()
        print(NO_VENV.format(error=said[-1] if said else f"終了コード {made.returncode}"), file=sys.stderr)
        return 2

    print(STEP_PIP.format(version=version_wanted), flush=True)
    # --isolated: a pip.ini on the PC (a proxy, an index, user installs) must not change an offline install.
    pip = subprocess.run([str(python), "-m", "pip", "install", "--isolated", "--no-index",
                          "--disable-pip-version-check", "--no-warn-script-location",
                          "--find-links", str(HERE / "wheels"), f"{PROJECT}=={version_wanted}"])
    if pip.returncode:
        print(PIP_FAILED.format(code=pip.returncode), file=sys.stderr)
        return 1
    check = subprocess.run([str(venv_program(venv, PROJECT)), "--version"], capture_output=True, text=True,
                           errors="replace")
    if check.returncode:
        print(check.stderr, file=sys.stderr)
        print(CHECK_FAILED.format(code=check.returncode), file=sys.stderr)
        return 1
    launcher = HERE / ("sasaeai.bat" if os.name == "nt" else "sasaeai.sh")
    print(DONE.format(installed=check.stdout.strip(), launcher=launcher))
    return 0


if __name__ == "__main__":
    sys.exit(main())

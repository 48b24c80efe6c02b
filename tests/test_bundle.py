"""The offline bundle: its requirement check, scripts and launchers; in CI, a real build and offline install."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE

spec = importlib.util.spec_from_file_location("build_bundle", REPO / "tools" / "build_bundle.py")
bb = importlib.util.module_from_spec(spec)
sys.modules["build_bundle"] = bb
spec.loader.exec_module(bb)

WINDOWS_313 = bb.Target(bb.PLATFORMS["windows"], "3.13")
LINUX_313 = bb.Target(bb.PLATFORMS["linux"], "3.13")
WINDOWS_311 = bb.Target(bb.PLATFORMS["windows"], "3.11")


def fake_wheel(folder: Path, filename: str, requires=(), requires_python: str = "") -> Path:
    """A .whl holding only the METADATA the check reads."""
    name, version = filename.split("-")[:2]
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Python: {requires_python}"] if requires_python else []
    lines += [f"Requires-Dist: {r}" for r in requires]
    path = folder / filename
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(lines) + "\n")
    return path


@pytest.fixture
def wheels(tmp_path):
    folder = tmp_path / "wheels"
    folder.mkdir()
    fake_wheel(folder, "sasaeai-0.1.0-py3-none-any.whl", ["click>=8.1", "numpy>=1.25"])
    fake_wheel(folder, "click-8.1.7-py3-none-any.whl", ['colorama; platform_system == "Windows"'])
    fake_wheel(folder, "numpy-2.5.0-cp313-cp313-win_amd64.whl")
    fake_wheel(folder, "numpy-2.5.0-cp313-cp313-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl")
    return folder


def test_a_dependency_only_windows_needs_is_missing_for_windows_only(wheels):
    # pip download evaluates markers on the downloading PC, so a Linux build PC leaves colorama out.
    assert bb.check_bundle(wheels, [LINUX_313]) == []
    assert bb.check_bundle(wheels, [WINDOWS_313]) == [
        "Windows x64 Python 3.13: colorama の wheel がありません"]
    fake_wheel(wheels, "colorama-0.4.6-py2.py3-none-any.whl")
    assert bb.check_bundle(wheels, [WINDOWS_313, LINUX_313]) == []


def test_a_wheel_for_another_python_or_platform_does_not_count(wheels):
    assert bb.check_bundle(wheels, [bb.Target(bb.PLATFORMS["linux"], "3.12")]) == [
        "Linux x64 Python 3.12: numpy>=1.25 の wheel がありません"]
    (wheels / "numpy-2.5.0-cp313-cp313-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl").unlink()
    fake_wheel(wheels, "numpy-2.5.0-cp313-cp313-manylinux_2_34_x86_64.whl")   # newer glibc than the bundle promises
    assert bb.check_bundle(wheels, [LINUX_313]) == ["Linux x64 Python 3.13: numpy>=1.25 の wheel がありません"]


def test_an_sdist_and_a_newest_wheel_for_a_newer_python_are_reported(wheels):
    fake_wheel(wheels, "colorama-0.4.6-py2.py3-none-any.whl")
    fake_wheel(wheels, "numpy-2.4.0-cp311-cp311-win_amd64.whl")
    assert bb.check_bundle(wheels, [WINDOWS_311]) == []
    fake_wheel(wheels, "click-8.9.0-py3-none-any.whl", requires_python=">=3.12")
    (wheels / "lxml-6.0.0.tar.gz").write_bytes(b"")
    assert bb.check_bundle(wheels, [WINDOWS_311]) == [
        "lxml-6.0.0.tar.gz: ソース配布物（コンパイルが必要になり得ます）。wheel だけを入れてください。",
        "Windows x64 Python 3.11: click>=8.1 の wheel がありません（click-8.9.0-py3-none-any.whl は Python >=3.12 用です）"]


def test_resolve_takes_the_newest_fitting_wheel_like_pip(wheels):
    fake_wheel(wheels, "colorama-0.4.6-py2.py3-none-any.whl")
    fake_wheel(wheels, "numpy-2.4.0-cp313-cp313-win_amd64.whl")
    chosen, missing = bb.resolve(bb.read_wheels(wheels), WINDOWS_313)
    assert missing == []
    assert {name: w.path.name for name, w in chosen.items()} == {
        "sasaeai": "sasaeai-0.1.0-py3-none-any.whl", "click": "click-8.1.7-py3-none-any.whl",
        "colorama": "colorama-0.4.6-py2.py3-none-any.whl", "numpy": "numpy-2.5.0-cp313-cp313-win_amd64.whl"}


def test_pip_options_select_binary_wheels_for_the_target_and_older_manylinux_tags():
    options = LINUX_313.pip_options()
    assert options[:9] == ["--only-binary=:all:", "--implementation", "cp", "--python-version", "3.13",
                           "--abi", "cp313", "--platform", "manylinux_2_28_x86_64"]
    platforms = options[8::2]
    assert "manylinux_2_17_x86_64" in platforms and "manylinux2014_x86_64" in platforms
    assert "manylinux_2_34_x86_64" not in platforms
    assert WINDOWS_313.pip_options()[-2:] == ["--platform", "win_amd64"]
    assert bb.parse_targets(["linux"], ["current", "3.13"])[0].python == f"{sys.version_info[0]}.{sys.version_info[1]}"


def test_bat_files_are_crlf_and_cp932_and_shell_scripts_lf_and_executable(tmp_path):
    bb.copy_scripts(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "install.bat", "install.py", "install.sh", "sasaeai.bat", "sasaeai.sh"]
    for name in ("install.bat", "sasaeai.bat"):
        raw = (tmp_path / name).read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n") > 5       # cmd.exe misreads labels in LF files
        text = raw.decode("cp932")                                # what cmd.exe on Japanese Windows reads
        assert text.startswith("@echo off\r\n")
        assert "Python 3.11 以上が見つかりません" in text or "まだインストールされていません" in text
    for name in ("install.sh", "sasaeai.sh"):
        raw = (tmp_path / name).read_bytes()
        assert b"\r" not in raw and raw.startswith(b"#!/bin/sh\n")
        assert os.access(tmp_path / name, os.X_OK)


def _launcher_bundle(tmp_path: Path, with_serve: bool) -> Path:
    """A bundle folder whose venv's sasaeai only records how it was called."""
    bb.copy_scripts(tmp_path)
    exe = tmp_path / "venv" / "bin" / "sasaeai"
    exe.parent.mkdir(parents=True)
    serve = 'if [ "$1" = serve ] && [ "$2" = --help ]; then exit 0; fi' if with_serve else (
        'if [ "$1" = serve ]; then echo "Error: No such command \'serve\'." >&2; exit 2; fi')
    exe.write_text(f'#!/bin/sh\n{serve}\necho "sasaeai called with: $* in $(pwd)"\n', encoding="utf-8")
    exe.chmod(0o755)
    return tmp_path


@pytest.mark.skipif(os.name == "nt", reason="sasaeai.sh is the Linux launcher")
@pytest.mark.parametrize("with_serve, expected", [(False, "--help"), (True, "serve")])
def test_launcher_without_arguments_opens_serve_when_it_exists_else_help(tmp_path, with_serve, expected):
    bundle = _launcher_bundle(tmp_path / "bundle", with_serve)
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run([str(bundle / "sasaeai.sh")], capture_output=True, text=True, cwd=bundle,
                            env={**os.environ, "HOME": str(home)})
    # In the home folder: serve's default output folder must not land in the bundle an update replaces.
    assert (result.returncode, result.stdout.strip()) == (0, f"sasaeai called with: {expected} in {home}")


@pytest.mark.skipif(os.name == "nt", reason="sasaeai.sh is the Linux launcher")
def test_launcher_passes_arguments_through_and_says_when_not_installed(tmp_path):
    bundle = _launcher_bundle(tmp_path / "b", with_serve=False)
    result = subprocess.run([str(bundle / "sasaeai.sh"), "check", "台帳 1.xlsx"], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.stdout.strip() == f"sasaeai called with: check 台帳 1.xlsx in {tmp_path}"
    shutil.rmtree(bundle / "venv")
    result = subprocess.run([str(bundle / "sasaeai.sh")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"sasaeai はまだインストールされていません。先に {bundle}/install.sh を実行してください。"


def _install_py(tmp_path: Path, platforms: dict | None, *args: str) -> subprocess.CompletedProcess:
    bb.copy_scripts(tmp_path)
    if platforms is not None:
        (tmp_path / "bundle.json").write_text(json.dumps(
            {"format": 1, "project": "sasaeai", "version": "0.1.0", "platforms": platforms}), encoding="utf-8")
    return subprocess.run([sys.executable, str(tmp_path / "install.py"), *args], capture_output=True, text=True)


@pytest.mark.skipif(sys.platform != "linux", reason="the bundles below name Linux")
def test_install_check_answers_whether_this_python_fits_without_a_word(tmp_path):
    this = f"{sys.version_info[0]}.{sys.version_info[1]}"
    fits = _install_py(tmp_path / "a", {"linux": ["3.9", this]}, "--check")
    other = _install_py(tmp_path / "b", {"linux": ["3.9"]}, "--check")
    assert [(r.returncode, r.stdout, r.stderr) for r in (fits, other)] == [(0, "", ""), (2, "", "")]
    assert not (tmp_path / "a" / "venv").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="the message names this PC's platform")
def test_install_refuses_a_bundle_for_another_python_or_platform_before_touching_anything(tmp_path):
    result = _install_py(tmp_path / "a", {"linux": ["3.9"], "windows": ["3.9", "3.10"]})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"この Python（{sys.version.split()[0]}）用の部品がバンドルにありません。Python 3.9 のいずれかで実行してください"
        "（Windows では python.org のインストーラーで入れ、install.bat を実行し直します）。")
    result = _install_py(tmp_path / "b", {"windows": ["3.13"]})
    assert (result.returncode, result.stderr.strip()) == (
        2, f"このバンドルは Windows x64 用です。この PC（Linux {os.uname().machine}）には使えません。")
    result = _install_py(tmp_path / "c", None)
    assert result.returncode == 2 and result.stderr.startswith("bundle.json がないか壊れています。")
    assert not any((tmp_path / d / "venv").exists() for d in "abc")


def test_install_on_windows_refuses_a_folder_too_deep_for_260_characters(tmp_path, monkeypatch, capsys):
    deep = tmp_path / "ドキュメント" / ("共有フォルダ" * 8) / ("sasaeai-bundle-" * 4)
    bb.copy_scripts(deep)
    this = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (deep / "bundle.json").write_text(json.dumps(
        {"format": 1, "project": "sasaeai", "version": "0.1.0", "platforms": {"windows": [this]}}), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("bundle_install", deep / "install.py")
    install = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(install)
    monkeypatch.setattr(install, "_platform_key", lambda: "windows")   # as on a Windows x64 PC
    assert install.main([]) == 2
    assert capsys.readouterr().err.startswith(f"このフォルダのパスは {len(str(deep))} 文字で、Windows では長すぎます")
    assert not (deep / "venv").exists()
    assert install.MAX_BUNDLE_PATH_WINDOWS == 129


# --- in CI: a real bundle, downloaded from PyPI, installed with no index -------------------------

needs_ci = pytest.mark.skipif(not os.environ.get("CI"), reason="downloads ~200 MB from PyPI; runs in CI (CI=true)")


def _no_network_prefix() -> list[str]:
    """`unshare -n` (a namespace with no network) where allowed, so the install provably needs none."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


@needs_ci
def test_linux_bundle_installs_offline_and_runs_the_readme_sample_month(tmp_path):
    bundle = tmp_path / "バンドル"
    assert bb.main(["--out", str(bundle), "--target", "linux", "--python", "current"]) == 0
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHON": sys.executable, "LANG": "C.UTF-8"}
    installed = subprocess.run([*_no_network_prefix(), "sh", str(bundle / "install.sh")], capture_output=True,
                               text=True, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "インストールが完了しました（sasaeai, version 0.1.0）" in installed.stdout

    # The README's sample month, run from a folder that is neither the checkout nor the bundle.
    elsewhere = tmp_path / "職員のフォルダ"
    elsewhere.mkdir()
    ran = subprocess.run([*_no_network_prefix(), str(bundle / "sasaeai.sh"), "monthly", str(SAMPLE),
                          "--month", "2026-12", "--out", "出力"], capture_output=True, text=True, env=env,
                         cwd=elsewhere)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"出力先: {elsewhere / '出力' / '2026-12'}（新しく書いたファイル" in ran.stdout
    where = subprocess.run([str(bundle / "venv" / "bin" / "python"), "-c", "import generator; print(generator.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere)
    assert where.stdout.startswith(str(bundle / "venv"))             # the installed copy, not this checkout

    # The same ledger gives the same bytes whether sasaeai runs from the checkout or the bundle.
    subprocess.run([sys.executable, "-m", "generator.cli", "monthly", str(SAMPLE), "--month", "2026-12",
                    "--out", str(tmp_path / "checkout")], capture_output=True, check=True)
    assert (elsewhere / "出力" / "2026-12" / "manifest.json").read_bytes() == (
        tmp_path / "checkout" / "2026-12" / "manifest.json").read_bytes()


@needs_ci
def test_windows_bundle_holds_a_binary_wheel_of_every_dependency_for_every_python(tmp_path):
    bundle = tmp_path / "bundle"
    assert bb.main(["--out", str(bundle), "--target", "windows"]) == 0
    targets = bb.parse_targets(["windows"], list(bb.PYTHONS))
    assert bb.check_bundle(bundle / "wheels", targets) == []
    assert sorted(p.suffix for p in (bundle / "wheels").iterdir() if p.suffix != ".whl") == []
    wheels = bb.read_wheels(bundle / "wheels")
    for target in targets:
        chosen, _ = bb.resolve(wheels, target)
        assert {"sasaeai", "matplotlib", "numpy", "lxml", "pillow", "cryptography", "cffi", "contourpy",
                "kiwisolver", "docxtpl", "openpyxl", "msoffcrypto-tool"} <= set(chosen)
        platform_tags = {tag.platform for w in chosen.values() for tag in w.tags}
        assert platform_tags == {"any", "win_amd64"}, target.name
    info = json.loads((bundle / "bundle.json").read_text(encoding="utf-8"))
    assert info["platforms"] == {"windows": list(bb.PYTHONS)}

"""Build the offline bundle: sasaeai's wheel and a wheel of every dependency, plus install scripts.

Municipal PCs often sit on LGWAN with no internet (三層分離), so an IT department builds this
folder on a PC with internet, carries it over on approved media and runs install.bat / install.sh.

    python tools/build_bundle.py --out dist/sasaeai-bundle
    python tools/build_bundle.py --out dist/linux --target linux --python current
    python tools/build_bundle.py --out dist/sasaeai-bundle --check-only

Every target (platform x Python version) gets only binary wheels, so nothing needs a compiler on
the office PC. pip evaluates environment markers (`; platform_system == "Windows"`) against the
PC that downloads, not the target, so after downloading, the requirement tree is walked again here
with the target's markers and anything still missing is downloaded; the same walk is the check.
"""
from __future__ import annotations

import argparse
import email.parser
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.tags import Tag, compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # a bare Python with only pip: pip carries the same library
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.tags import Tag, compatible_tags, cpython_tags
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename
    from pip._vendor.packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "bundle"
PROJECT = "sasaeai"
BUNDLE_FORMAT = 1
PYTHONS = ("3.11", "3.12", "3.13", "3.14")

# glibc 2.28 (RHEL/Alma/Rocky 8, Debian 10, Ubuntu 20.04) and newer. pip does not widen a
# manylinux_2_28 tag to the older ones itself, so every accepted tag is listed.
_GLIBC = [(2, minor) for minor in range(28, 16, -1)]
_MANYLINUX = [f"manylinux_{a}_{b}_x86_64" for a, b in _GLIBC] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]


@dataclass(frozen=True)
class Platform:
    """An operating system the bundle serves: its wheel platform tags and marker values."""

    key: str            # the name in bundle.json and on the command line
    label: str
    tags: tuple[str, ...]
    markers: tuple[tuple[str, str], ...]


PLATFORMS = {
    "windows": Platform("windows", "Windows x64", ("win_amd64",), (
        ("os_name", "nt"), ("sys_platform", "win32"), ("platform_system", "Windows"),
        ("platform_machine", "AMD64"))),
    "linux": Platform("linux", "Linux x64", tuple(_MANYLINUX), (
        ("os_name", "posix"), ("sys_platform", "linux"), ("platform_system", "Linux"),
        ("platform_machine", "x86_64"))),
}


@dataclass(frozen=True)
class Target:
    """One platform and one CPython version."""

    platform: Platform
    python: str         # "3.13"

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")

    @property
    def name(self) -> str:
        return f"{self.platform.key}-py{self.python}"

    def tags(self) -> set[Tag]:
        """Every wheel tag pip would accept for this target (cp313, abi3, none; the platform's tags)."""
        version = tuple(int(p) for p in self.python.split("."))
        platforms = list(self.platform.tags)
        return set(cpython_tags(version, abis=[self.abi], platforms=platforms)) | set(
            compatible_tags(version, interpreter=self.abi, platforms=platforms))

    def environment(self) -> dict[str, str]:
        """Marker values as the target's own Python would report them."""
        return {**dict(self.platform.markers), "python_version": self.python,
                "python_full_version": self.python + ".0", "implementation_name": "cpython",
                "platform_python_implementation": "CPython", "implementation_version": self.python + ".0",
                "platform_release": "", "platform_version": "", "extra": ""}

    def pip_options(self) -> list[str]:
        """pip download options that select this target's binary wheels."""
        options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", self.python,
                   "--abi", self.abi]
        for tag in self.platform.tags:
            options += ["--platform", tag]
        return options


@dataclass(frozen=True)
class Wheel:
    """A wheel file in the bundle and what its metadata says."""

    path: Path
    name: str
    version: Version
    tags: frozenset
    requires: tuple[str, ...]
    requires_python: str


def read_wheel(path: Path) -> Wheel:
    """Name, version, tags and requirements of one .whl file."""
    name, version, _build, tags = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as archive:
        metadata_name = next(n for n in archive.namelist()
                             if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        metadata = email.parser.BytesParser().parsebytes(archive.read(metadata_name), headersonly=True)
    return Wheel(path, canonicalize_name(name), version, frozenset(tags),
                 tuple(metadata.get_all("Requires-Dist") or ()), metadata.get("Requires-Python") or "")


def read_wheels(folder: Path) -> list[Wheel]:
    """Every wheel in `folder`, in file-name order."""
    return [read_wheel(p) for p in sorted(folder.glob("*.whl"))]


def _python_ok(wheel: Wheel, target: Target) -> bool:
    if not wheel.requires_python:
        return True
    return Requirement(f"x{wheel.requires_python}").specifier.contains(target.python + ".0", prereleases=True)


@dataclass(frozen=True)
class Missing:
    """A requirement no wheel in the folder satisfies for a target; `why` is set when one nearly does."""

    requirement: str    # name and version range, without the marker: pip download would judge it on this PC
    why: str = ""


def resolve(wheels: list[Wheel], target: Target) -> tuple[dict[str, Wheel], list[Missing]]:
    """The wheels pip would install for `target`, and the requirements nothing in the folder satisfies.

    Like pip with --find-links, the newest version whose tags fit the target is taken; a newest
    wheel whose Requires-Python excludes the target is reported, since pip would refuse it.
    """
    tags = target.tags()
    env = target.environment()
    chosen: dict[str, Wheel] = {}
    missing: list[Missing] = []
    if not any(w.name == PROJECT for w in wheels):
        return chosen, [Missing(PROJECT)]
    queue = [Requirement(PROJECT)]
    while queue:
        requirement = queue.pop(0)
        name = canonicalize_name(requirement.name)
        wanted = f"{requirement.name}{requirement.specifier}"
        if name in chosen:
            if not requirement.specifier.contains(chosen[name].version, prereleases=True):
                missing.append(Missing(wanted, f"{name} {chosen[name].version} は条件に合いません"))
            continue
        fitting = sorted((w for w in wheels if w.name == name and w.tags & tags
                          and requirement.specifier.contains(w.version, prereleases=True)),
                         key=lambda w: w.version, reverse=True)
        if not fitting:
            missing.append(Missing(wanted))
            continue
        wheel = fitting[0]
        if not _python_ok(wheel, target):
            missing.append(Missing(wanted, f"{wheel.path.name} は Python {wheel.requires_python} 用です"))
            continue
        chosen[name] = wheel
        for line in wheel.requires:
            dependency = Requirement(line)
            if dependency.marker is None or dependency.marker.evaluate(env):
                queue.append(dependency)
    return chosen, missing


def check_bundle(wheels_dir: Path, targets: list[Target]) -> list[str]:
    """Problems that would stop an offline install: sdists, and per target every unmet requirement."""
    problems = [f"{p.name}: ソース配布物（コンパイルが必要になり得ます）。wheel だけを入れてください。"
                for p in sorted(wheels_dir.iterdir()) if p.is_file() and p.suffix != ".whl"]
    wheels = read_wheels(wheels_dir)
    for target in targets:
        _chosen, missing = resolve(wheels, target)
        problems += [f"{target.platform.label} Python {target.python}: {m.requirement} の wheel がありません"
                     + (f"（{m.why}）" if m.why else "") for m in missing]
    return problems


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace")
    if result.returncode:
        raise SystemExit(f"pip が失敗しました: {' '.join(command)}\n{result.stdout}{result.stderr}")


def build_project_wheel(wheels_dir: Path) -> Path:
    """Build sasaeai's own wheel from this checkout into `wheels_dir`, replacing older builds."""
    for old in wheels_dir.glob(f"{PROJECT}-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        # From a clean copy: setuptools packs whatever lies in an old build/ folder, even modules
        # deleted since, and a local venv or output folder has no place in the source.
        source = Path(tmp) / "source"
        shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "出力", "out"))
        _pip("wheel", "--no-deps", "--wheel-dir", str(Path(tmp) / "wheel"), str(source))
        built = next((Path(tmp) / "wheel").glob(f"{PROJECT}-*.whl"))
        return Path(shutil.copy2(built, wheels_dir / built.name))


def download(wheels_dir: Path, target: Target, requirements: list[str]) -> None:
    """Download binary wheels of `requirements` and their dependencies for `target`."""
    _pip("download", *target.pip_options(), "--dest", str(wheels_dir), "--find-links", str(wheels_dir),
         *requirements)


def fill(wheels_dir: Path, target: Target, project_wheel: Path) -> None:
    """Download until the requirement tree, walked with the target's markers, is complete."""
    download(wheels_dir, target, [str(project_wheel)])
    for _round in range(5):
        _chosen, missing = resolve(read_wheels(wheels_dir), target)
        plain = [m.requirement for m in missing if not m.why]
        if not plain:
            return
        download(wheels_dir, target, plain)


def copy_scripts(out: Path) -> None:
    """The install scripts and launchers; .bat files in cp932 with CRLF, as cmd.exe on Japanese Windows reads them."""
    out.mkdir(parents=True, exist_ok=True)
    for source in sorted(SCRIPTS.iterdir()):
        text = source.read_text(encoding="utf-8")
        if source.suffix == ".bat":
            (out / source.name).write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("cp932"))
        else:
            (out / source.name).write_bytes(text.replace("\r\n", "\n").encode("utf-8"))
            if source.suffix == ".sh":
                (out / source.name).chmod(0o755)


def write_info(out: Path, project_wheel: Path, targets: list[Target]) -> None:
    """bundle.json: what the bundle serves, read by install.py before it changes anything."""
    served: dict[str, list[str]] = {}
    for target in targets:
        served.setdefault(target.platform.key, []).append(target.python)
    version = str(parse_wheel_filename(project_wheel.name)[1])
    info = {"format": BUNDLE_FORMAT, "project": PROJECT, "version": version, "platforms": served}
    (out / "bundle.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def folder_size(folder: Path) -> int:
    """Bytes of every file under `folder`."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def parse_targets(platforms: list[str], pythons: list[str]) -> list[Target]:
    """Targets for the platform keys and Python versions given ("current" = the running Python)."""
    versions = []
    for python in pythons:
        version = f"{sys.version_info.major}.{sys.version_info.minor}" if python == "current" else python
        if not re.fullmatch(r"3\.\d+", version):
            raise SystemExit(f"--python は 3.12 のように指定してください: {python}")
        if version not in versions:
            versions.append(version)
    return [Target(PLATFORMS[p], v) for p in platforms for v in versions]


def main(argv: list[str] | None = None) -> int:
    """Build (or with --check-only, check) a bundle folder; print what it holds and its size."""
    parser = argparse.ArgumentParser(description="オフライン用バンドル（wheel 一式とインストール用スクリプト）を作ります。")
    parser.add_argument("--out", type=Path, required=True, help="バンドルを作るフォルダ")
    parser.add_argument("--target", dest="platforms", action="append", choices=sorted(PLATFORMS),
                        help="対象の OS（繰り返し可。既定: windows と linux）")
    parser.add_argument("--python", dest="pythons", action="append",
                        help=f"対象の Python（繰り返し可。current = 実行中の版。既定: {' '.join(PYTHONS)}）")
    parser.add_argument("--check-only", action="store_true", help="ダウンロードせず、既存のバンドルを点検だけします")
    args = parser.parse_args(argv)
    targets = parse_targets(args.platforms or sorted(PLATFORMS, reverse=True), args.pythons or list(PYTHONS))
    out: Path = args.out
    wheels_dir = out / "wheels"
    started = time.monotonic()
    if not args.check_only:
        wheels_dir.mkdir(parents=True, exist_ok=True)
        project_wheel = build_project_wheel(wheels_dir)
        for target in targets:
            print(f"ダウンロード中: {target.platform.label} Python {target.python}", flush=True)
            fill(wheels_dir, target, project_wheel)
        copy_scripts(out)
        write_info(out, project_wheel, targets)
    problems = check_bundle(wheels_dir, targets)
    wheels = read_wheels(wheels_dir)
    for target in targets:
        chosen, _missing = resolve(wheels, target)
        size = sum(w.path.stat().st_size for w in chosen.values())
        print(f"{target.platform.label} Python {target.python}: wheel {len(chosen)} 個、{size / 2**20:.1f} MB")
    print(f"合計: {out} {folder_size(out) / 2**20:.1f} MB（wheel {len(wheels)} 個）、{time.monotonic() - started:.0f} 秒")
    for problem in problems:
        print(f"問題: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

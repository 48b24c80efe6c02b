"""PDF copies of a batch's documents, by one headless LibreOffice for the whole batch.

Starting LibreOffice costs seconds; converting a letter costs a fraction of
one. So every .docx that needs a PDF is converted by a single LibreOffice
process, with a private profile (a LibreOffice the user has open would
otherwise take the job and return at once).

What this module guarantees:
- the same .docx gives the same PDF bytes: LibreOffice's creation time and
  random /ID are replaced, in place, by a fixed time and an /ID made from the
  .docx's sha256 (so a rerun changes nothing and `send` sees no revision);
- LibreOffice never outlives the run: it runs in its own process group,
  which is killed on a timeout, an error or Ctrl-C, and on Linux it gets
  SIGKILL from the kernel when sasaeai itself is killed; a profile folder a
  killed run left behind is removed by the next one;
- the time limit grows with the batch (`batch_timeout`);
- on Linux the Japanese Word fonts are replaced by faces of the same kind
  (fonts.conf beside this module), so a 明朝 letter stays a 明朝 letter.
"""
from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Mapping

from .. import messages
from ..errors import SasaeaiError
from ..render.output import FIXED_ZIP_TIME, inside

SOFFICE_ENV = "SASAEAI_SOFFICE"
PROFILE_PREFIX = "sasaeai-lo-"
# Cold start of LibreOffice with a new profile takes a few seconds here and
# up to a minute on a slow office PC; a letter takes about 0.1 s here. The
# per-file allowance leaves a wide margin for slow disks and large minutes.
BASE_TIMEOUT = 60.0
PER_FILE_TIMEOUT = 5.0
# soffice.bin exits with this code after setting up a new profile and
# expects its launcher to start it again (the launcher is bypassed, below).
_RESTART_EXIT_CODE = 81
_MAX_STARTS = 3
_FONTS_CONF = Path(__file__).with_name("fonts.conf")
_SYSTEM_FONTS_CONF = ("/etc/fonts/fonts.conf", "/usr/local/etc/fonts/fonts.conf")


class PdfError(SasaeaiError):
    """LibreOffice is missing or could not convert."""


# --- finding LibreOffice ---------------------------------------------------------------------------

def soffice_candidates(platform: str | None = None, environ: Mapping[str, str] | None = None) -> list[Path]:
    """The standard install places of LibreOffice for a platform, in the order they are tried."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    if platform.startswith("win"):
        # ProgramW6432 is the 64-bit folder even when a 32-bit Python sees
        # ProgramFiles as "Program Files (x86)".
        roots = [environ.get(var) for var in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")]
        places = [Path(root) / "LibreOffice" / "program" / "soffice.exe" for root in roots if root]
        if environ.get("LOCALAPPDATA"):
            places.append(Path(environ["LOCALAPPDATA"]) / "Programs" / "LibreOffice" / "program" / "soffice.exe")
    elif platform == "darwin":
        places = [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
        if environ.get("HOME"):
            places.append(Path(environ["HOME"]) / "Applications/LibreOffice.app/Contents/MacOS/soffice")
    else:
        # /opt holds the packages from libreoffice.org, one folder per version; newest first.
        places = [Path(p) for p in sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True)]
        places += [Path("/usr/lib/libreoffice/program/soffice"), Path("/snap/bin/libreoffice")]
    unique: list[Path] = []
    for place in places:
        if place not in unique:
            unique.append(place)
    return unique


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_soffice(*, platform: str | None = None, environ: Mapping[str, str] | None = None,
                 which: Callable[[str], str | None] = shutil.which) -> str:
    """The LibreOffice program to run: SASAEAI_SOFFICE, else PATH, else the standard install places."""
    environ = os.environ if environ is None else environ
    override = environ.get(SOFFICE_ENV, "").strip()
    if override:
        # An explicit choice that is wrong is reported, not silently replaced by another LibreOffice.
        found = which(override) or (override if _runnable(Path(override)) else None)
        if not found:
            raise PdfError(messages.PDF_BAD_OVERRIDE.format(variable=SOFFICE_ENV, value=override))
        return found
    for name in ("soffice", "libreoffice"):
        found = which(name)
        if found:
            return found
    places = soffice_candidates(platform, environ)
    for place in places:
        if _runnable(place):
            return str(place)
    looked = [messages.PDF_LOOKED_PATH] + [str(place) for place in places]
    raise PdfError(messages.PDF_NO_LIBREOFFICE.format(
        places="\n".join(f"  - {line}" for line in looked), variable=SOFFICE_ENV))


def _program(soffice: str) -> str:
    """The process to start for `soffice`: soffice.bin itself where a launcher would sit in between.

    On Linux `soffice` is a shell script that starts `oosplash`, which starts
    `soffice.bin`. Killing the launcher leaves soffice.bin converting for
    up to a minute, and a parent-death signal does not pass to a grandchild;
    started directly, soffice.bin is our child and dies with us.
    """
    if sys.platform.startswith("win") or sys.platform == "darwin":
        return soffice
    real = Path(os.path.realpath(soffice))
    direct = real.with_name("soffice.bin")
    if real.name in ("soffice", "libreoffice") and _runnable(direct):
        return str(direct)
    return soffice


# --- running it ----------------------------------------------------------------------------------

def batch_timeout(count: int) -> float:
    """Seconds allowed for converting `count` files in one LibreOffice run."""
    return BASE_TIMEOUT + PER_FILE_TIMEOUT * count


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn that makes the kernel SIGKILL the child when sasaeai dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    # Loaded here, in the parent: the child between fork and exec should do as little as possible.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:    # the parent died before the signal was armed
            os._exit(1)

    return hook


def _kill_group(process: subprocess.Popen) -> None:
    """Kill LibreOffice and everything it started, then reap it."""
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    else:
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        process.kill()
    process.wait()


def _start(command: list[str], env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run LibreOffice once in its own process group; (exit code, its output)."""
    options: dict = {}
    if os.name == "posix":
        options["start_new_session"] = True
        hook = _die_with_parent_hook()
        if hook:
            options["preexec_fn"] = hook
    else:
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=env, **options)
    try:
        output, _ = process.communicate(timeout=timeout)
    except BaseException:    # a timeout, Ctrl-C, anything: LibreOffice must not outlive this call
        _kill_group(process)
        raise
    return process.returncode, output.decode("utf-8", "replace")


def _pid_alive(pid: int) -> bool:
    if os.name == "posix":
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    import ctypes

    # os.kill(pid, 0) would terminate the process on Windows; ask the kernel instead.
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)    # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5    # access denied: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259    # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


_OWN_PROFILES: set[Path] = set()
_PROFILE_NAME = re.compile(re.escape(PROFILE_PREFIX) + r"(\d+)-")


def remove_stale_profiles(root: Path | None = None) -> int:
    """Remove the private LibreOffice profiles of sasaeai runs that are no longer running."""
    root = Path(root or tempfile.gettempdir())
    removed = 0
    for folder in root.glob(PROFILE_PREFIX + "*"):
        match = _PROFILE_NAME.match(folder.name)
        if not match or not folder.is_dir() or folder in _OWN_PROFILES:
            continue
        pid = int(match.group(1))
        # Our own pid on a folder we did not make is a pid reused after a restart (a container, say).
        if pid != os.getpid() and _pid_alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += not folder.exists()
    return removed


def _environment(profile: Path) -> dict[str, str]:
    """LibreOffice's environment: temp files in the profile, UTC, and our font substitutions (fontconfig)."""
    env = dict(os.environ)
    # LibreOffice's own temporary files go inside the profile, so whatever
    # removes the profile (this run, or the next after a kill) removes them too.
    scratch = profile / "tmp"
    scratch.mkdir(exist_ok=True)
    for variable in ("TMPDIR", "TMP", "TEMP"):
        env[variable] = str(scratch)
    # The PDF's creation time is written in local time, whose length depends
    # on the zone; UTC keeps its form fixed for the in-place rewrite below.
    env["TZ"] = "UTC"
    if os.name == "posix" and sys.platform != "darwin":
        system = next((c for c in (os.environ.get("FONTCONFIG_FILE"), *_SYSTEM_FONTS_CONF)
                       if c and Path(c).is_file()), None)
        if system:
            config = profile / "fonts.conf"
            config.write_text(
                '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
                f"  <include>{_xml_text(str(_FONTS_CONF))}</include>\n"
                f"  <include>{_xml_text(system)}</include>\n</fontconfig>\n", encoding="utf-8")
            env["FONTCONFIG_FILE"] = str(config)
    return env


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- making the PDFs the same bytes every time ---------------------------------------------------

_FIXED_PDF_DATE = "D:{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}Z".format(*FIXED_ZIP_TIME).encode()
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_INFO_REF = re.compile(rb"/Info\s+(\d+)\s+(\d+)\s+R")
_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\([^()\\]*\)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]*)>\s*<([0-9A-Fa-f]*)>\s*\]")
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")


def _hex_of(seed: bytes, length: int) -> bytes:
    digest = hashlib.sha256(seed).hexdigest().upper().encode()
    return (digest * (length // len(digest) + 1))[:length]


def _same_length(old: bytes, new: bytes) -> bytes:
    """`new` padded with spaces to the length of `old` (whitespace between PDF tokens is free)."""
    return new + b" " * (len(old) - len(new)) if len(new) <= len(old) else old


def deterministic_pdf(data: bytes, seed: bytes) -> bytes:
    """The PDF with its creation stamps fixed and its /ID made from `seed`; every byte offset kept.

    Each value is replaced by one of the same length, so the cross-reference
    table stays exact and the file stays valid without being rewritten. Only
    the document information dictionary and the trailer are touched, never a
    page's content. A PDF not laid out as LibreOffice writes it is returned as is.
    """
    tail = _STARTXREF.search(data, max(0, len(data) - 1024))
    trailer_at = data.rfind(b"trailer", 0, tail.start()) if tail else -1
    if trailer_at < 0:
        return data
    out = bytearray(data)
    trailer = data[trailer_at:tail.start()]
    info = _INFO_REF.search(trailer)
    if info:
        start = _object_offset(data, int(tail.group(1)), int(info.group(1)))
        end = data.find(b"endobj", start) if start is not None else -1
        if end > 0:
            for match in _DATE.finditer(data, start, end):
                new = b"/" + match.group(1) + b"(" + _FIXED_PDF_DATE + b")"
                out[match.start():match.end()] = _same_length(match.group(), new)
    for match in _ID.finditer(data, trailer_at, tail.start()):
        for group in (1, 2):
            out[match.start(group):match.end(group)] = _hex_of(b"id" + seed, len(match.group(group)))
    for match in _CHECKSUM.finditer(data, trailer_at, tail.start()):
        out[match.start(1):match.end(1)] = _hex_of(b"checksum" + seed, len(match.group(1)))
    return bytes(out)


def _object_offset(data: bytes, xref_at: int, number: int) -> int | None:
    """Byte offset of object `number` from a classic cross-reference table, or None."""
    if data[xref_at:xref_at + 4] != b"xref":
        return None
    lines = iter(data[xref_at + 4:].split(b"\n"))
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        if fields[0] == b"trailer" or len(fields) != 2:
            return None
        first, count = int(fields[0]), int(fields[1])
        for index in range(first, first + count):
            entry = next(lines, b"").split()
            if index == number and len(entry) == 3 and entry[2] == b"n":
                offset = int(entry[0])
                return offset if data.startswith(b"%d 0 obj" % number, offset) else None
    return None


# --- converting ----------------------------------------------------------------------------------

def convert(docx_files: list[Path], staging: Path, soffice: str | None = None,
            timeout: float | None = None) -> dict[Path, Path]:
    """Convert .docx files to PDF with one LibreOffice run; {docx: its PDF in `staging`}.

    `staging` is an empty folder the caller owns (and removes); the PDFs in it
    are already deterministic. Raises PdfError when LibreOffice is missing,
    fails, or takes longer than `timeout` seconds (default `batch_timeout`).
    """
    if not docx_files:
        return {}
    soffice = soffice or find_soffice()
    timeout = batch_timeout(len(docx_files)) if timeout is None else timeout
    remove_stale_profiles()
    # A recognisable name with our pid: a run killed before its clean-up leaves
    # a folder the next run can tell is no one's and remove.
    profile = Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))
    _OWN_PROFILES.add(profile)
    try:
        # Distinct names: two meetings' folders can hold letters with the same name.
        staged = []
        for index, path in enumerate(docx_files):
            target = staging / f"{index:05d}.docx"
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
            staged.append(target)
        command = [_program(soffice), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--convert-to", "pdf", "--outdir", str(staging), *map(str, staged)]
        output = _run(command, _environment(profile), timeout, len(docx_files))
        out, missing = {}, []
        for path, stage in zip(docx_files, staged):
            pdf = stage.with_suffix(".pdf")
            if pdf.exists() and pdf.stat().st_size > 0:
                seed = hashlib.sha256(stage.read_bytes()).digest()
                pdf.write_bytes(deterministic_pdf(pdf.read_bytes(), seed))
                out[path] = pdf
            else:
                missing.append(path.name)
        if missing:
            detail = "、".join(missing[:5]) + (messages.PDF_MORE.format(count=len(missing) - 5)
                                              if len(missing) > 5 else "")
            last = output.strip().splitlines()[-1:] if output.strip() else []
            raise PdfError(messages.PDF_FAILED.format(error=" / ".join([detail, *last])))
        return out
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        _OWN_PROFILES.discard(profile)


def _run(command: list[str], env: dict[str, str], timeout: float, count: int) -> str:
    """Run LibreOffice to the end within `timeout` seconds in all, starting it again when it asks to."""
    deadline = time.monotonic() + timeout
    output = ""
    for _ in range(_MAX_STARTS):
        try:
            code, output = _start(command, env, max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired as exc:
            raise PdfError(messages.PDF_TIMEOUT.format(seconds=f"{timeout:g}", count=count)) from exc
        except OSError as exc:
            raise PdfError(messages.PDF_FAILED.format(error=exc.strerror or exc)) from exc
        if code != _RESTART_EXIT_CODE:
            break
    return output


def convert_batch(folder: Path, files: list, previous, *, timeout: float | None = None,
                  soffice: str | None = None) -> int:
    """Give every .docx of the batch a PDF beside it; returns how many were made anew.

    `files` are the batch's FileEntry records (their pdf fields are filled in);
    `previous` is the manifest of the last run, or None. `timeout` is the
    limit in seconds for the whole conversion (default `batch_timeout`).
    """
    before = {f.path: f for f in previous.files} if previous is not None else {}
    todo = []
    for entry in files:
        if not entry.path.endswith(".docx"):
            continue
        pdf_rel = entry.path[:-5] + ".pdf"
        pdf_path = inside(folder, pdf_rel)
        old = before.get(entry.path)
        if old and old.sha256 == entry.sha256 and old.pdf == pdf_rel and pdf_path.exists():
            entry.pdf, entry.pdf_sha256 = pdf_rel, old.pdf_sha256
            continue
        todo.append((entry, pdf_rel, pdf_path))
    if not todo:
        return 0
    # Named like the temporary files a rerun clears away, and inside the batch
    # folder so that moving a PDF into place is a rename.
    staging = Path(tempfile.mkdtemp(prefix=".pdf-", suffix=".tmp", dir=folder))
    try:
        converted = convert([inside(folder, e.path) for e, _, _ in todo], staging, soffice, timeout)
        for entry, pdf_rel, pdf_path in todo:
            staged = converted[inside(folder, entry.path)]
            data = staged.read_bytes()
            os.replace(staged, pdf_path)
            entry.pdf, entry.pdf_sha256 = pdf_rel, hashlib.sha256(data).hexdigest()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(todo)

"""PDF copies: finding LibreOffice, same bytes every run, no LibreOffice left behind, the fonts."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import D, SAMPLE, minimal
from docx.oxml.ns import qn

from generator import messages
from generator.batch import pdf
from generator.batch.pdf import PdfError, find_soffice
from generator.batch.store import FileEntry
from generator.cli import main
from generator.render.output import TEMP_PATTERN

needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdffonts") is None,
                                       reason="LibreOffice and poppler are installed by .ci/run")


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def fake_program(path: Path, body: str) -> Path:
    """An executable Python script at `path` standing in for LibreOffice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(0o755)
    return path


def running(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def gone(pids: list[int], within: float = 10.0) -> bool:
    """True once none of `pids` runs. SIGKILL is delivered asynchronously: on a loaded machine a
    killed process can still be listed as running for a moment after killpg returns."""
    deadline = time.monotonic() + within
    while any(running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- finding LibreOffice ---------------------------------------------------------------------------

def no_path(_name):
    return None


def test_override_wins_over_path_and_standard_places(tmp_path):
    chosen = fake_program(tmp_path / "mine" / "soffice", "")
    on_path = fake_program(tmp_path / "bin" / "soffice", "")
    found = find_soffice(environ={"SASAEAI_SOFFICE": str(chosen)}, platform="linux",
                         which=lambda name: str(on_path) if name == "soffice" else shutil.which(name))
    assert found == str(chosen)


def test_override_that_does_not_exist_is_reported_not_replaced(tmp_path):
    wrong = tmp_path / "nothing" / "soffice"
    with pytest.raises(PdfError) as error:
        find_soffice(environ={"SASAEAI_SOFFICE": str(wrong)}, platform="linux", which=no_path)
    assert error.value.message == messages.PDF_BAD_OVERRIDE.format(variable="SASAEAI_SOFFICE", value=wrong)


def test_path_comes_before_standard_places(tmp_path):
    on_path = fake_program(tmp_path / "bin" / "libreoffice", "")
    installed = fake_program(tmp_path / "PF" / "LibreOffice" / "program" / "soffice.exe", "")
    found = find_soffice(environ={"ProgramFiles": str(tmp_path / "PF")}, platform="win32",
                         which=lambda name: str(on_path) if name == "libreoffice" else None)
    assert found == str(on_path) and installed.exists()


def test_windows_program_files_then_x86(tmp_path):
    environ = {"ProgramFiles": str(tmp_path / "PF"), "ProgramFiles(x86)": str(tmp_path / "PF86")}
    x86 = fake_program(tmp_path / "PF86" / "LibreOffice" / "program" / "soffice.exe", "")
    assert find_soffice(environ=environ, platform="win32", which=no_path) == str(x86)
    native = fake_program(tmp_path / "PF" / "LibreOffice" / "program" / "soffice.exe", "")
    assert find_soffice(environ=environ, platform="win32", which=no_path) == str(native)


def test_macos_application_folders(tmp_path):
    places = pdf.soffice_candidates("darwin", {"HOME": str(tmp_path)})
    assert places == [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
                      tmp_path / "Applications/LibreOffice.app/Contents/MacOS/soffice"]
    user_copy = fake_program(places[1], "")
    if not places[0].exists():
        assert find_soffice(environ={"HOME": str(tmp_path)}, platform="darwin", which=no_path) == str(user_copy)


def test_linux_standard_places():
    places = pdf.soffice_candidates("linux", {})
    assert Path("/usr/lib/libreoffice/program/soffice") in places
    assert all(str(p).startswith(("/opt/libreoffice", "/usr/lib/", "/snap/")) for p in places)


def test_not_found_lists_every_place_looked(tmp_path):
    environ = {"ProgramFiles": str(tmp_path / "PF"), "ProgramFiles(x86)": str(tmp_path / "PF86")}
    with pytest.raises(PdfError) as error:
        find_soffice(environ=environ, platform="win32", which=no_path)
    looked = [messages.PDF_LOOKED_PATH, str(tmp_path / "PF" / "LibreOffice" / "program" / "soffice.exe"),
              str(tmp_path / "PF86" / "LibreOffice" / "program" / "soffice.exe")]
    assert error.value.message == messages.PDF_NO_LIBREOFFICE.format(
        places="\n".join(f"  - {line}" for line in looked), variable="SASAEAI_SOFFICE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the launcher chain is Linux's")
def test_the_launcher_is_bypassed_for_soffice_bin(tmp_path):
    program = tmp_path / "lo" / "program"
    launcher = fake_program(program / "soffice", "")
    real = fake_program(program / "soffice.bin", "")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "soffice").symlink_to(launcher)
    assert pdf._program(str(tmp_path / "bin" / "soffice")) == str(real)
    elsewhere = fake_program(tmp_path / "other" / "soffice", "")
    assert pdf._program(str(elsewhere)) == str(elsewhere)


# --- the same bytes every run --------------------------------------------------------------------

def lo_like_pdf(stamp: str, file_id: str, content: bytes = b"BT /F1 12 Tf (Hello) Tj ET") -> bytes:
    """A small valid PDF laid out as LibreOffice writes one: classic xref, Info, /ID, /DocChecksum."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>",
        b"<</Length %d>>\nstream\n%s\nendstream" % (len(content), content),
        b"<</Producer(LibreOffice 7.4)/CreationDate(D:" + stamp.encode() + b")>>",
    ]
    out = bytearray(b"%PDF-1.6\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<</Size %d/Root 1 0 R\n/Info 5 0 R\n/ID [ <%s>\n<%s> ]\n/DocChecksum /%s\n>>\n"
            % (len(objects) + 1, file_id.encode(), file_id.encode(), file_id[::-1].encode()))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def xref_points_at_objects(data: bytes) -> bool:
    xref = int(re.search(rb"startxref\s+(\d+)", data).group(1))
    entries = re.findall(rb"(\d{10}) 00000 n", data[xref:])
    return all(data.startswith(b"%d 0 obj" % n, int(o)) for n, o in enumerate(entries, 1))


def test_two_runs_of_the_same_docx_give_the_same_bytes():
    seed = hashlib.sha256(b"the letter").digest()
    first = pdf.deterministic_pdf(lo_like_pdf("20261129143842Z'", "1BCAFA9DA1C174D74D3BEC4244EEC368"), seed)
    second = pdf.deterministic_pdf(lo_like_pdf("20261129150101Z'", "15F76650F064AF9C6C660D14FF5613A3"), seed)
    assert first == second
    assert len(first) == len(lo_like_pdf("20261129143842Z'", "1BCAFA9DA1C174D74D3BEC4244EEC368"))
    assert b"/CreationDate(D:20000101000000Z)" in first
    file_id = hashlib.sha256(b"id" + seed).hexdigest().upper()[:32].encode()
    assert b"/ID [ <%s>\n<%s> ]" % (file_id, file_id) in first
    assert xref_points_at_objects(first)


def test_a_local_time_zone_stamp_is_fixed_too():
    out = pdf.deterministic_pdf(lo_like_pdf("20261129233842+09'00'", "AB" * 16), b"seed")
    assert re.search(rb"/CreationDate\(D:20000101000000Z\) +>>", out)
    assert xref_points_at_objects(out)


def test_another_docx_gets_another_id_and_page_content_is_never_touched():
    content = b"BT (/CreationDate(D:20261129143842Z) /DocChecksum /ABCD) Tj ET"
    one = pdf.deterministic_pdf(lo_like_pdf("20261129143842Z'", "AB" * 16, content), b"one")
    two = pdf.deterministic_pdf(lo_like_pdf("20261129143842Z'", "AB" * 16, content), b"two")
    assert one != two
    assert content in one and content in two


def test_a_pdf_not_laid_out_as_expected_is_left_as_is():
    odd = b"%PDF-1.7\nnot what LibreOffice writes\n%%EOF\n"
    assert pdf.deterministic_pdf(odd, b"seed") == odd


# --- running LibreOffice: limits, failures, restarts, leftovers -------------------------------------

FAKE_CONVERTER = """
    import os, sys
    from pathlib import Path
    args = sys.argv[1:]
    profile = Path(next(a for a in args if a.startswith("-env:UserInstallation=")).split("file://", 1)[1])
    marker = profile / "set-up"
    if not marker.exists():    # a new profile: ask to be started again, as soffice.bin does
        marker.write_text("")
        sys.exit(81)
    outdir = Path(args[args.index("--outdir") + 1])
    for name in [a for a in args if a.endswith(".docx")]:
        (outdir / (Path(name).stem + ".pdf")).write_bytes(Path(os.environ["FAKE_PDF"]).read_bytes())
    print("converted")
"""


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temp root of its own, so profile folders of other runs are not seen."""
    root = tmp_path / "systemp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_restart_after_profile_set_up_then_deterministic_pdfs(tmp_path, private_tmp, monkeypatch):
    source = tmp_path / "lo.pdf"
    source.write_bytes(lo_like_pdf("20261129143842Z'", "AB" * 16))
    monkeypatch.setenv("FAKE_PDF", str(source))
    fake = fake_program(tmp_path / "fake" / "soffice", FAKE_CONVERTER)
    letters = []
    for name in ("a.docx", "b.docx"):
        letters.append(tmp_path / "batch" / "sub" / name)
        letters[-1].parent.mkdir(parents=True, exist_ok=True)
        letters[-1].write_bytes(name.encode())
    staging = tmp_path / "staging"
    staging.mkdir()
    made = pdf.convert(letters, staging, str(fake))
    assert sorted(made) == letters
    data = {made[p].read_bytes() for p in letters}
    assert len(data) == 2    # each PDF's /ID comes from its own .docx
    assert all(b"D:20000101000000Z" in d for d in data)
    assert list(private_tmp.iterdir()) == []    # the private profile is removed


def test_failed_conversion_leaves_no_staging_folder_and_names_the_files(tmp_path, private_tmp):
    fake = fake_program(tmp_path / "fake" / "soffice", "print('Error: source file could not be loaded')\n")
    batch = tmp_path / "batch"
    (batch / "通知").mkdir(parents=True)
    (batch / "通知" / "001.docx").write_bytes(b"x")
    entry = FileEntry(path="通知/001.docx", sha256="0", kind="letter", rows=[], meeting_id="K1", member_id="M1")
    with pytest.raises(PdfError) as error:
        pdf.convert_batch(batch, [entry], None, soffice=str(fake))
    assert error.value.message == messages.PDF_FAILED.format(
        error="001.docx / Error: source file could not be loaded")
    assert sorted(p.relative_to(batch).as_posix() for p in batch.rglob("*")) == ["通知", "通知/001.docx"]
    assert list(private_tmp.iterdir()) == []


HANGING = """
    import os, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    with open(os.environ["FAKE_PIDS"], "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    time.sleep(300)
"""


def test_hanging_libreoffice_is_killed_with_its_children_at_the_limit(ledger_file, tmp_path, private_tmp):
    assert pdf.batch_timeout(0) == pdf.BASE_TIMEOUT
    assert pdf.batch_timeout(100) == pdf.BASE_TIMEOUT + 100 * pdf.PER_FILE_TIMEOUT
    pids = tmp_path / "pids"
    fake = fake_program(tmp_path / "fake" / "soffice", HANGING)
    s = minimal()
    s["会議"].append(["K21", "C0", 4, D(2026, 12, 16), "14:00", "16:00", "役場", "移動支援の検討", "座長", None])
    result = run("monthly", ledger_file(s), "--month", "2026-11", "--out", tmp_path / "out", "--pdf",
                 "--pdf-timeout", "2", env={"SASAEAI_SOFFICE": str(fake), "FAKE_PIDS": str(pids)})
    assert result.exit_code == 2
    batch = tmp_path / "out" / "2026-11"
    count = len(list(batch.rglob("*.docx")))
    assert messages.PDF_TIMEOUT.format(seconds="2", count=count) in result.output
    assert not list(batch.rglob(TEMP_PATTERN)) and not list(batch.rglob("*.pdf"))
    assert gone([int(pid) for pid in pids.read_text().split()])
    assert list(private_tmp.iterdir()) == []


def test_profiles_of_runs_that_died_are_removed(tmp_path):
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead_profile = tmp_path / f"sasaeai-lo-{finished.pid}-abc"
        live_profile = tmp_path / f"sasaeai-lo-{alive.pid}-def"
        other = tmp_path / "sasaeai-lo-notapid"
        for folder in (dead_profile, live_profile, other):
            (folder / "user").mkdir(parents=True)
        assert pdf.remove_stale_profiles(tmp_path) == 1
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live_profile.name, other.name])
    finally:
        alive.kill()
        alive.wait()


# --- with LibreOffice ----------------------------------------------------------------------------

def body_only_docx(path: Path) -> Path:
    """Body text as the templates set it: ＭＳ 明朝 for Japanese, Century for Latin."""
    document = docx.Document()
    for text in ("令和9年1月20日（水）午後2時 Room 301", "メール: shien@town-aoba.example 0123-45-6789"):
        run_ = document.add_paragraph().add_run(text)
        fonts = run_._element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), "Century")
        fonts.set(qn("w:eastAsia"), "ＭＳ 明朝")
    document.save(path)
    return path


def fonts_of(path: Path) -> list[str]:
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0].split("+", 1)[-1] for line in listing.splitlines()[2:]]


@needs_libreoffice
def test_letters_are_set_in_serif_faces_and_are_the_same_bytes_every_run(tmp_path):
    out = tmp_path / "out"
    assert run("monthly", SAMPLE, "--month", "2026-12", "--out", out).exit_code == 0
    letter = sorted((out / "2026-12" / "開催通知").glob("C0-05_*/通知/*.docx"))[0]
    body = body_only_docx(tmp_path / "body.docx")
    runs = []
    for attempt in ("first", "second"):
        staging = tmp_path / attempt
        staging.mkdir()
        made = pdf.convert([letter, body], staging)
        runs.append({p: made[p].read_bytes() for p in (letter, body)})
    assert runs[0] == runs[1]

    letter_fonts, body_fonts = fonts_of(made[letter]), fonts_of(made[body])
    # The body is 明朝 and Century: serif faces only.
    assert any(f.startswith("NotoSerifCJKjp") for f in body_fonts)
    assert all("Serif" in f for f in body_fonts), body_fonts
    # The letter adds ゴシック headings (出欠回答票), which are Noto Sans CJK; no other sans face.
    assert any(f.startswith("NotoSerifCJKjp") for f in letter_fonts)
    assert all("Serif" in f or f.startswith("NotoSansCJKjp") for f in letter_fonts), letter_fonts

    text = subprocess.run(["pdftotext", "-layout", str(made[letter]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "第5回あおば町支え合い推進会議の開催について（通知）" in text.replace(" ", "")
    info = subprocess.run(["pdfinfo", str(made[letter])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"CreationDate:\s+Sat Jan  1 00:00:00 2000 UTC", info)
    if shutil.which("qpdf"):
        check = subprocess.run(["qpdf", "--check", str(made[letter])], capture_output=True, text=True)
        assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout


def soffice_processes(marker: str) -> list[int]:
    """Running processes whose command line holds `marker` (our private profile's name)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in command and running(int(entry.name)):
                found.append(int(entry.name))
    return found


@needs_libreoffice
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_sigkill_of_monthly_pdf_leaves_no_libreoffice_and_the_next_run_cleans_up(ledger_file, tmp_path):
    s = minimal()
    s["会議"].append(["K21", "C0", 4, D(2026, 12, 16), "14:00", "16:00", "役場", "移動支援の検討", "座長", None])
    # Enough letters that LibreOffice is still converting when the kill comes.
    s["構成員"] += [[f"M{n}", "C0", f"住民 {n}", "", "住民", "", "", "", "手渡し"] for n in range(20, 45)]
    systemp = tmp_path / "systemp"
    systemp.mkdir()
    env = dict(os.environ, TMPDIR=str(systemp))
    command = [sys.executable, "-m", "generator.cli", "monthly", str(ledger_file(s)), "--month", "2026-11",
               "--out", str(tmp_path / "out"), "--pdf"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = f"{pdf.PROFILE_PREFIX}{process.pid}-"
    batch = tmp_path / "out" / "2026-11"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(batch.glob(".pdf-*.tmp/*.pdf")) and process.poll() is None:
        time.sleep(0.02)
    assert list(batch.glob(".pdf-*.tmp/*.pdf")) and soffice_processes(marker), "not killed mid-conversion"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5    # the kernel's signal is immediate; allow for a loaded machine
    while time.monotonic() < deadline and soffice_processes(marker):
        time.sleep(0.05)
    assert soffice_processes(marker) == []
    assert [p.name.startswith(marker) for p in systemp.iterdir()] == [True]    # its profile was left

    rerun = subprocess.run(command, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert list(systemp.iterdir()) == []
    assert not list(batch.rglob(TEMP_PATTERN))
    assert len(list(batch.rglob("*.pdf"))) == len(list(batch.rglob("*.docx")))

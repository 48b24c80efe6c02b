"""PDF copies of a batch's documents, by one headless LibreOffice for the whole batch.

Starting LibreOffice costs seconds; converting a letter costs a fraction of
one. So every .docx that needs a PDF is converted by a single `soffice`
process, with a private profile (a LibreOffice the user has open would
otherwise take the job and return at once). A PDF whose .docx did not change
since the last run is kept, not remade: LibreOffice stamps the time into
every PDF, and a rerun must not change files needlessly.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import messages
from ..errors import SasaeaiError
from ..render.output import inside


class PdfError(SasaeaiError):
    """LibreOffice is missing or could not convert."""


def find_soffice() -> str:
    for candidate in (os.environ.get("SASAEAI_SOFFICE"), "soffice", "libreoffice"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise PdfError(messages.PDF_NO_LIBREOFFICE)


def convert(docx_files: list[Path], workdir: Path, soffice: str | None = None,
            timeout: float = 1800) -> dict[Path, Path]:
    """Convert .docx files to PDF with one LibreOffice process; {docx: pdf in a staging folder}.

    The staging folder is made in `workdir` (named like the temporary files a
    rerun clears away), so the caller's move into place is a rename.
    """
    if not docx_files:
        return {}
    soffice = soffice or find_soffice()
    staging = Path(tempfile.mkdtemp(prefix=".pdf-", suffix=".tmp", dir=workdir))
    profile = Path(tempfile.mkdtemp(prefix="sasaeai-lo-"))
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
        command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(staging), *map(str, staged)]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(messages.PDF_FAILED.format(error=exc)) from exc
        out = {}
        missing = []
        for path, stage in zip(docx_files, staged):
            pdf = stage.with_suffix(".pdf")
            if pdf.exists() and pdf.stat().st_size > 0:
                out[path] = pdf
            else:
                missing.append(path.name)
        if missing:
            raise PdfError(messages.PDF_FAILED.format(error="、".join(missing[:5])))
        return out
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def convert_batch(folder: Path, files: list, previous) -> int:
    """Give every .docx of the batch a PDF beside it; returns how many were made anew.

    `files` are the batch's FileEntry records (their pdf fields are filled in);
    `previous` is the manifest of the last run, or None.
    """
    import hashlib

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
    converted = convert([inside(folder, e.path) for e, _, _ in todo], folder)
    staging_dirs = set()
    for entry, pdf_rel, pdf_path in todo:
        staged = converted[inside(folder, entry.path)]
        staging_dirs.add(staged.parent)
        data = staged.read_bytes()
        os.replace(staged, pdf_path)
        entry.pdf, entry.pdf_sha256 = pdf_rel, hashlib.sha256(data).hexdigest()
    for staging in staging_dirs:
        shutil.rmtree(staging, ignore_errors=True)
    return len(todo)

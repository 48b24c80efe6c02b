"""A picture of a document's first page, by LibreOffice, for the page's preview."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import SasaeaiError

PREVIEW_TIMEOUT = 120


def first_page_png(docx: Path, cache: Path) -> bytes | None:
    """PNG of the first page of `docx`; None when LibreOffice is not installed or fails."""
    from ..batch.pdf import find_soffice

    data = docx.read_bytes()
    cached = cache / f"{hashlib.sha256(data).hexdigest()}.png"
    if cached.exists():
        return cached.read_bytes()
    try:
        soffice = find_soffice()
    except SasaeaiError:
        return None
    work = Path(tempfile.mkdtemp(prefix="sasaeai-preview-"))
    try:
        source = work / "preview.docx"
        source.write_bytes(data)
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "png", "--outdir", str(work), str(source)]
        try:
            subprocess.run(command, capture_output=True, timeout=PREVIEW_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        png = work / "preview.png"
        if not png.exists():
            return None
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, cached)
        return png.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)

"""PDF conversion of a batch: one LibreOffice for all files against one per file.

Makes N invitation letters of the sample ledger (default 20), then, in one
run, converts them to PDF twice:
  batch   : generator.batch.pdf.convert (one headless LibreOffice for every file)
  per file: one headless soffice started for each file
and prints both times and the ratio. It also times the step that makes the
PDFs byte-identical between runs (fixed stamps, /ID from the .docx) and
prints its share of the batch conversion.

    python benchmarks/bench_pdf.py [--count 20]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_invitations import TEMPLATE, contexts  # noqa: E402

from generator.batch.pdf import convert, deterministic_pdf, find_soffice  # noqa: E402
from generator.render.engine import compile_template  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    soffice = find_soffice()
    template = compile_template(TEMPLATE)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = []
        for i, ctx in enumerate(contexts(args.count)):
            path = tmp / f"letter{i:03d}.docx"
            template.write(ctx, path)
            files.append(path)
        staging = tmp / "staging"
        staging.mkdir()
        t0 = time.perf_counter()
        converted = convert(files, staging, soffice)
        t_batch = time.perf_counter() - t0
        assert len(converted) == len(files)
        pdfs = [p.read_bytes() for p in converted.values()]
        t0 = time.perf_counter()
        for data in pdfs:
            deterministic_pdf(data, b"seed")
        t_fix = time.perf_counter() - t0
        single = tmp / "single"
        single.mkdir()
        profile = tempfile.mkdtemp(prefix="sasaeai-lo-")
        t0 = time.perf_counter()
        for path in files:
            subprocess.run([soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                            "--norestore", "--convert-to", "pdf", "--outdir", str(single), str(path)],
                           capture_output=True, check=True)
        t_single = time.perf_counter() - t0
        assert len(list(single.glob("*.pdf"))) == len(files)
    print(f"letters: {args.count}")
    print(f"one LibreOffice for the batch: {t_batch:7.2f} s  ({t_batch / args.count:.2f} s/file)")
    print(f"one LibreOffice per file:      {t_single:7.2f} s  ({t_single / args.count:.2f} s/file)")
    print(f"ratio per-file / batch: {t_single / t_batch:.1f}x")
    print(f"fixing stamps and /ID:         {t_fix * 1000:7.1f} ms ({t_fix / t_batch:.3%} of the batch conversion)")


if __name__ == "__main__":
    main()

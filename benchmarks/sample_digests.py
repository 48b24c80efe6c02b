"""The sha256 of every file the sample ledger's monthly runs make: proof that a change kept output bytes.

Runs `sasaeai monthly` on samples/aoba_ledger.xlsx for 2026-11, 2026-12, 2027-01 and
2027-03 (each with --annual and a fixed --as-of, so the day it runs does not matter),
once with --jobs 1 and once with --jobs 2, and prints one line per file:
"sha256  jobs/month/path". Run it on two commits and diff the outputs:

    git stash; python benchmarks/sample_digests.py > before.txt; git stash pop
    python benchmarks/sample_digests.py > after.txt; diff before.txt after.txt

It also says on stderr whether --jobs 1 and --jobs 2 made the same bytes.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "aoba_ledger.xlsx"
# Month and the as-of date it is run with: the batch day of each month.
RUNS = (("2026-11", "2026-11-01"), ("2026-12", "2026-12-01"), ("2027-01", "2027-01-05"), ("2027-03", "2027-03-01"))


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        found = {}
        for jobs in (1, 2):
            out = Path(tmp) / f"j{jobs}"
            for month, as_of in RUNS:
                # Exit 1 is expected: the sample keeps three findings on purpose (README, サンプル台帳).
                subprocess.run([sys.executable, "-m", "generator.cli", "monthly", str(SAMPLE), "--month", month,
                                "--as-of", as_of, "--out", str(out), "--annual", "--jobs", str(jobs)],
                               check=False, capture_output=True, cwd=ROOT)
            found[jobs] = digests(out)
        for jobs, files in found.items():
            for path, digest in files.items():
                print(f"{digest}  j{jobs}/{path}")
        same = found[1] == found[2]
        print(f"{len(found[1])} files; --jobs 1 and --jobs 2 {'made the same bytes' if same else 'DIFFER'}",
              file=sys.stderr)


if __name__ == "__main__":
    main()

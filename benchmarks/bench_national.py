"""A month of paperwork for every municipality in Japan, projected from 20 synthetic ones (issue 13, target 6).

Builds 20 synthetic ledgers (bench_check.write_synthetic) of varied size, from
a village with 2 協議体 to a city with 150, each council with 8-25 構成員 and
six meetings a year, then runs the December 2026 monthly batch of all of them
on two worker processes at once (one batch each, --jobs 1), as one 2-core
machine would work through a national queue. Prints each municipality's
letters and seconds, the letters/s of the whole run, and the projected time
for all 1,741 municipalities (市町村 and 特別区) in one month:
    wall time of the 20 x 1,741 / 20
The sample's sizes are spread evenly on a log scale, so it has more large
cities than Japan does (most municipalities are towns and villages with a
handful of councils): the projection errs on the long side.

    python benchmarks/bench_national.py [--workers 2]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import write_synthetic  # noqa: E402

MUNICIPALITIES = 1_741
# Councils per municipality, village to city; members per council cycle through 8-25.
COUNCILS = (2, 2, 3, 3, 4, 5, 6, 7, 8, 10, 12, 15, 18, 22, 28, 35, 45, 60, 90, 150)
PER_COUNCIL = (8, 12, 15, 18, 20, 25)
TODAY = dt.date(2026, 12, 1)


def one(args: tuple[int, Path]) -> tuple[int, int, int, float]:
    """Run one municipality's batch; (index, members, letters, seconds)."""
    from generator.batch.monthly import run_monthly

    index, ledger = args
    t0 = time.perf_counter()
    batch = run_monthly(ledger, "2026-12", ledger.parent / f"out{index}", today=TODAY)
    seconds = time.perf_counter() - t0
    letters = sum(len(i.result.letters) for i in batch.items if i.kind == "invitation" and i.result)
    return index, len(batch.ledger.members), letters, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ledgers = []
        for i, councils in enumerate(COUNCILS):
            per = PER_COUNCIL[i % len(PER_COUNCIL)]
            path = Path(tmp) / f"m{i:02d}" / "台帳.xlsx"
            path.parent.mkdir()
            write_synthetic(path, councils * per, councils * 6, seed=i, per_council=per)
            ledgers.append((i, path))
        # Largest first, so the two workers finish together.
        order = sorted(ledgers, key=lambda x: -COUNCILS[x[0]])
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            results = sorted(pool.map(one, order))
        wall = time.perf_counter() - t0
    letters = sum(r[2] for r in results)
    for (index, members, made, seconds) in results:
        print(f"  {COUNCILS[index]:4d} 協議体 {members:6,d} 構成員: {made:5,d} letters {seconds:7.2f} s")
    projected = wall * MUNICIPALITIES / len(results)
    print(f"20 municipalities, {letters:,} letters, {args.workers} workers: {wall:.1f} s wall, "
          f"{letters / wall:.0f} letters/s")
    print(f"projection for {MUNICIPALITIES:,} municipalities on one {args.workers}-core machine: "
          f"{projected / 3600:.1f} h ({projected / 60:.0f} min)")


if __name__ == "__main__":
    main()

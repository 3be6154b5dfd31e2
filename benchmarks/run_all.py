"""Run every benchmark: ``python -m benchmarks.run_all [--quick] [--only NAME]``.

Each ``benchmarks/bench_*.py`` exposes ``run(quick: bool) -> list[dict]``; rows carry the
idic time, the baseline measured in the same run, and their ratio. Results are printed as a
table and written to ``benchmarks/out/results.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (minutes, not tens)")
    ap.add_argument("--only", action="append", help="run only bench_NAME (repeatable)")
    args = ap.parse_args()
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)])
                   if m.name.startswith("bench_"))
    if args.only:
        names = [n for n in names if n.removeprefix("bench_") in args.only or n in args.only]
    rows: list[dict] = []
    console = Console()
    for name in names:
        t0 = time.perf_counter()
        console.print(f"[bold]{name}[/] ...")
        mod = importlib.import_module(f"benchmarks.{name}")
        got = mod.run(quick=args.quick)
        for r in got:
            r.setdefault("module", name)
        rows.extend(got)
        console.print(f"  done in {time.perf_counter() - t0:.0f}s")
    table = Table(title="idic benchmarks (ratios measured in this run)")
    for col in ("benchmark", "idic_s", "baseline", "baseline_s", "ratio", "goal"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["benchmark"]), f"{r['idic_s']:.3f}", str(r["baseline"]),
                      f"{r['baseline_s']:.3f}", f"{r['ratio']:.2f}", str(r.get("goal", "")))
    console.print(table)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()

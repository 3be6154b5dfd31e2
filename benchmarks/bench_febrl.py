"""Benchmark: identify's accuracy on FEBRL1-4, with and without the national id, vs plain
Splink configured as in Splink's FEBRL example notebooks (``idic.identify.reference``).

For each data set (FEBRL4: dataset4a linked to dataset4b) and each variant (the national id
``soc_sec_id`` kept, or dropped), runs idic's whole identify stage in a fresh workspace
(national id as a strong identifier, ``account_id``) and the notebook's plain Splink model
(its blocking, EM training, thresholds), and prints pairwise precision / recall / F1, the
share of true entities reproduced exactly and both times, with the F1 difference.

    python benchmarks/bench_febrl.py [--only febrl3] [--no-national-id-only]
"""

from __future__ import annotations

import argparse
import logging

from idic.identify.reference import FEBRL, idic_identify, plain_splink

logging.getLogger("splink").setLevel(logging.ERROR)  # the notebooks' training chatter

HEADER = (f"{'data':8} {'national id':11} | {'method':12} {'P':>6} {'R':>6} {'F1':>6} "
          f"{'exact':>6} {'time s':>7}")


def _line(name: str, nid: bool, method: str, q: dict) -> str:
    return (f"{name:8} {'yes' if nid else 'no':11} | {method:12} {q['precision']:6.3f} "
            f"{q['recall']:6.4f} {q['f1']:6.4f} {q['exact_customers']:6.1%} "
            f"{q['seconds']:7.2f}")


def main(names: tuple[str, ...] = FEBRL, variants: tuple[bool, ...] = (True, False)) -> list[dict]:
    rows: list[dict] = []
    print(HEADER)
    for name in names:
        for nid in variants:
            base = plain_splink(name, nid)
            ours = idic_identify(name, nid)
            print(_line(name, nid, "plain Splink", base))
            print(_line(name, nid, "idic", ours)
                  + f"   F1 {ours['f1'] - base['f1']:+.3f} vs plain Splink")
            rows.append({
                "benchmark": f"FEBRL accuracy, {name}, national id {'kept' if nid else 'dropped'}",
                "idic_s": ours["seconds"],
                "baseline": "plain Splink as in Splink's FEBRL notebooks",
                "baseline_s": base["seconds"], "ratio": ours["seconds"] / base["seconds"],
                "goal": "F1 >= plain Splink's and >= 0.99",
                "idic": {k: ours[k] for k in ("precision", "recall", "f1", "exact_customers")},
                "plain_splink": {k: base[k] for k in ("precision", "recall", "f1",
                                                      "exact_customers")},
            })
    return rows


def run(quick: bool = False) -> list[dict]:
    """For ``benchmarks.run_all``: every data set and variant (FEBRL1 only with quick)."""
    return main(("febrl1",) if quick else FEBRL)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", choices=FEBRL, help="data set (repeatable)")
    ap.add_argument("--no-national-id-only", action="store_true",
                    help="only the variant without the national id")
    a = ap.parse_args()
    main(tuple(a.only or FEBRL), (False,) if a.no_national_id_only else (True, False))

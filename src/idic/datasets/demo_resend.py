"""A late feed from the shop tills: re-sent orders and broken rows, with the expected outcome.

Real order feeds are re-sent after a network failure and carry rows that no validator should
let through. ``make_resend`` takes the written ``orders.csv`` and builds
``orders_till_resend.csv``: about 1% of the orders again, unchanged (they must count as
duplicates), plus rows with one defect each under new order ids (they must be quarantined
with a reason naming the column). The expected ingest outcome goes to the ground truth
(``params.json`` -> ``resend``), so the demo can check the loader's reconciliation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

FILE = "orders_till_resend.csv"

#: defect -> (column, bad value); each row gets exactly one
DEFECTS: dict[str, tuple[str, str | None]] = {
    "amount is not a number": ("amount", "N/A"),
    "currency is not ISO 4217": ("currency", "EURO"),
    "date does not exist": ("ordered_at", "2026-02-31T10:00:00Z"),
    "date in the far future": ("ordered_at", "2099-01-01T09:00:00Z"),
    "order id missing": ("order_id", None),
}


def make_resend(rng: np.random.Generator, orders_csv: Any, customers: int
                ) -> tuple[pa.Table, dict[str, Any]]:
    """(the re-send file's table, its expected ingest outcome)."""
    names = pacsv.read_csv(orders_csv).column_names
    text = pacsv.read_csv(orders_csv, convert_options=pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string())))
    n = text.num_rows
    n_dup = max(1, n // 100)
    dup = np.sort(rng.choice(n, size=min(n_dup, n), replace=False))
    per_defect = max(1, customers // 2000)
    parts = [text.take(pa.array(dup))]
    reasons: dict[str, int] = {}
    for d, (col, bad) in enumerate(DEFECTS.values()):
        rows = text.take(pa.array(rng.choice(n, size=per_defect, replace=False)))
        ids = pa.array([f"BAD-{d}-{i:05d}" for i in range(per_defect)])
        rows = rows.set_column(names.index("order_id"), "order_id", ids)
        vals = pa.array([bad] * per_defect, pa.string())
        rows = rows.set_column(names.index(col), col, vals)
        parts.append(rows)
        reasons[col] = reasons.get(col, 0) + per_defect
    table = pa.concat_tables(parts)
    # interleave, as a real feed would
    table = table.take(pa.array(rng.permutation(table.num_rows)))
    quarantined = per_defect * len(DEFECTS)
    expected = {
        "file": FILE, "kind": "orders", "received": table.num_rows, "accepted": 0,
        "duplicates": int(dup.size), "quarantined": quarantined,
        "quarantined_by_column": dict(sorted(reasons.items())),
        "defects": {k: {"column": c, "value": v, "rows": per_defect}
                    for k, (c, v) in DEFECTS.items()},
    }
    return table, expected

"""A small workspace of store orders for the pilot tests (no identify: customers are
``store:S-xxxxx``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from idic.workspace import Workspace


def write_orders(path: Path, n: int = 300, seed: int = 3) -> Path:
    """``n`` store customers, 1-6 orders each in 2025-2026, amounts by customer."""
    rng = np.random.default_rng(seed)
    rows, k = [], 0
    for i in range(n):
        scale = rng.gamma(2.0, 20.0)
        for _ in range(1 + rng.poisson(1.5)):
            k += 1
            day = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(
                days=int(rng.integers(0, 540)))
            amt = round(float(rng.gamma(3.0, scale / 3.0)) + 1.0, 2)
            rows.append({"order_id": f"O{k:06d}", "source": "store",
                         "source_customer_id": f"S-{i:05d}",
                         "ordered_at": day.strftime("%Y-%m-%dT%H:%M:%SZ"), "amount": amt,
                         "currency": "EUR", "channel": "store",
                         "margin": round(amt * 0.3, 2)})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def pilot_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pilot-ws")
    ws = Workspace.init(root / "ws")
    try:
        ws.ingest("orders", write_orders(root / "orders.csv"))
    finally:
        ws.close()
    return root / "ws"

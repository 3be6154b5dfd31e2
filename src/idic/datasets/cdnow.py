"""The CDNOW sample (Fader & Hardie) shipped in the ``lifetimes`` wheel, as transactions.

2,357 customers who made their first purchase at CDNOW in the first quarter of 1997,
followed to the end of June 1998 (6,919 transactions). The reference data set of the
buy-till-you-die literature (Fader, Hardie & Lee 2005). The file is read from the installed
``lifetimes`` package (a dev dependency); no data is copied into idic.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from idic.errors import InputError

CALIBRATION_END = "1997-09-30"  #: end of the 39-week calibration period of the papers
HOLDOUT_END = "1998-06-30"  #: end of the 39-week holdout period
N_CUSTOMERS = 2357


def cdnow_sample_path() -> Path:
    """Path of ``lifetimes/datasets/CDNOW_sample.txt``; :class:`InputError` if missing."""
    try:
        path = Path(str(resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"))
    except ModuleNotFoundError as exc:
        raise InputError("the CDNOW sample needs the `lifetimes` package",
                         hint="pip install 'idic[dev]' (or lifetimes==0.11.3)") from exc
    if not path.exists():  # pragma: no cover - broken install
        raise InputError(f"CDNOW sample not found at {path}")
    return path


def load_cdnow_sample() -> pa.Table:
    """The CDNOW sample as a transactions table.

    Columns: ``customer_id`` (string, "1".."2357"), ``order_id`` (string, unique),
    ``ordered_at`` (timestamp UTC, midnight of the purchase day), ``amount``
    (decimal(18,2), dollars), ``quantity`` (int64, CDs), ``currency`` ("USD"),
    ``source`` ("cdnow").
    """
    opts = pacsv.ReadOptions(column_names=["orig_id", "customer_id", "date", "quantity",
                                           "amount"])
    parse = pacsv.ParseOptions(delimiter=" ", ignore_empty_lines=True)
    # the file is space-aligned: collapse runs of spaces first
    text = cdnow_sample_path().read_text()
    lines = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    conv = pacsv.ConvertOptions(column_types={"orig_id": pa.string(), "customer_id": pa.string(),
                                              "date": pa.string(), "quantity": pa.int64(),
                                              "amount": pa.float64()})
    raw = pacsv.read_csv(pa.BufferReader(lines.encode()), read_options=opts,
                         parse_options=parse, convert_options=conv)
    dates = pc.strptime(raw["date"], format="%Y%m%d", unit="s")
    ordered_at = pc.cast(pc.cast(dates, pa.timestamp("s")), pa.timestamp("us", tz="UTC"))
    n = raw.num_rows
    order_id = pa.array([f"CD{i:05d}" for i in range(1, n + 1)])
    amount = pc.cast(pc.round(raw["amount"], 2), pa.decimal128(18, 2))
    return pa.table({
        "customer_id": pc.cast(pc.cast(raw["customer_id"], pa.int64()), pa.string()),
        "order_id": order_id,
        "ordered_at": ordered_at,
        "amount": amount,
        "quantity": raw["quantity"],
        "currency": pa.array(["USD"] * n),
        "source": pa.array(["cdnow"] * n),
    })

"""RFM: recency, frequency and monetary value per customer, quintile scores and named segments.

Definitions (issue 5; DOMAIN.md section 2):

- **recency_days**: whole days from the (UTC) date of the customer's last order to the as-of
  date; **frequency**: number of distinct orders; **monetary**: total amount.
  Orders placed after the as-of date are ignored; orders on the as-of date count.
- **Scores 1-5, exactly**: customers are ordered ascending by the measure, ties broken by
  ``customer_id`` ascending; with rank ``i`` in ``1..n``, ``score = ceil(5 * i / n)``.
  Recency is ordered by the last order *time*, oldest first, so 5 is the most recent,
  the most frequent and the highest spending. Money is an exact decimal (cents) before
  ranking, so every engine gives the same scores.
- **Segments**: the widely used 11-segment map of the 125 R-F-M codes (Champions, Loyal,
  Potential Loyalist, New Customers, Promising, Need Attention, About To Sleep, At Risk,
  Cannot Lose Them, Hibernating, Lost). The map is data: ``rfm_segments.csv`` beside this
  module (columns ``rfm_code,segment``); pass another file to use your own. A code missing
  from a custom map gives a null segment.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import ibis
import ibis.expr.types as ir

from idic.differentiate.value._common import (
    AsOf,
    days_before,
    input_error,
    money,
    rank_score,
    resolve_as_of,
)

SEGMENTS_FILE = Path(__file__).with_name("rfm_segments.csv")
"""The default segment map shipped with idic."""

RFM_COLUMNS = ("customer_id", "recency_days", "frequency", "monetary",
               "r_score", "f_score", "m_score", "segment")
"""Output columns of :func:`rfm` (the ``idic value rfm`` contract)."""

_CODE = re.compile(r"^[1-5]{3}$")


def load_segment_map(path: Path | str | None = None) -> dict[int, str]:
    """Read a segment map CSV (``rfm_code,segment``; e.g. ``555,Champions``) into {code: name}.

    Raises :class:`InputError` for a missing column, a code that is not three digits 1-5,
    or a code given twice.
    """
    return dict(_load(str(path or SEGMENTS_FILE)))


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[tuple[int, str], ...]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"rfm_code", "segment"} <= set(reader.fieldnames):
                raise input_error(f"{path}: a segment map needs the columns rfm_code,segment",
                                 hint="one row per R-F-M code, e.g. 555,Champions")
            out: dict[int, str] = {}
            for line, row in enumerate(reader, start=2):
                code = (row["rfm_code"] or "").strip()
                name = (row["segment"] or "").strip()
                if not _CODE.match(code):
                    raise input_error(f"{path}:{line}: rfm_code {code!r} is not three digits 1-5")
                if int(code) in out:
                    raise input_error(f"{path}:{line}: rfm_code {code} appears twice")
                if not name:
                    raise input_error(f"{path}:{line}: empty segment name for {code}")
                out[int(code)] = name
    except OSError as exc:
        raise input_error(f"cannot read segment map {path}: {exc.strerror}") from None
    return tuple(sorted(out.items()))


def segment_of(r: ir.IntegerValue, f: ir.IntegerValue, m: ir.IntegerValue,
               segments: dict[int, str] | Path | str | None = None) -> ir.StringValue:
    """The named segment of the scores: ``CASE WHEN code IN (...) THEN name ...`` on the code
    ``100r + 10f + m``, one branch per segment.

    A CASE rather than a join with an in-memory table: it compiles to plain SQL on every
    engine and needs no table registered beside the query.
    """
    mapping = segments if isinstance(segments, dict) else load_segment_map(segments)
    code = r * 100 + f * 10 + m
    by_name: dict[str, list[int]] = {}
    for c, name in sorted(mapping.items()):
        by_name.setdefault(name, []).append(c)
    if not by_name:
        return ibis.null("string")
    return ibis.cases(*[(code.isin(codes), name) for name, codes in by_name.items()],
                      else_=ibis.null("string"))


def customer_rfm_base(orders: ir.Table, *, as_of: AsOf = None, customer_col: str = "customer_id",
                      time_col: str = "ordered_at", amount_col: str = "amount",
                      order_col: str | None = None) -> tuple[ir.Table, date]:
    """Per customer: ``customer_id, last_order_at, recency_days, frequency, monetary``.

    Returns ``(table, as_of_date)``. ``order_col=None`` counts rows (each row one order).
    """
    for col in (customer_col, time_col, amount_col, *([order_col] if order_col else [])):
        if col not in orders.columns:
            raise input_error(f"column {col!r} not found; columns are {', '.join(orders.columns)}")
    day = resolve_as_of(orders, as_of, time_col)
    o = orders.filter(orders[time_col].date() <= day)
    freq = o[order_col].nunique() if order_col else o.count()
    g = o.group_by(customer_id=o[customer_col].cast("string")).aggregate(
        last_order_at=o[time_col].max(),
        frequency=freq.cast("int64"),
        monetary=money(o[amount_col].sum()),
    )
    return g.mutate(recency_days=days_before(day, g.last_order_at)), day


def score(base: ir.Table, segments: dict[int, str] | Path | str | None = None) -> ir.Table:
    """Add ``r_score, f_score, m_score, segment`` to a :func:`customer_rfm_base` table."""
    n = base.count().over()
    cid = base.customer_id
    t = base.mutate(
        r_score=rank_score([base.last_order_at, cid], n),
        f_score=rank_score([base.frequency, cid], n),
        m_score=rank_score([base.monetary, cid], n),
    )
    return t.mutate(segment=segment_of(t.r_score, t.f_score, t.m_score, segments))


def rfm(orders: ir.Table, *, as_of: AsOf = None, customer_col: str = "customer_id",
        time_col: str = "ordered_at", amount_col: str = "amount", order_col: str | None = None,
        segments: dict[int, str] | Path | str | None = None) -> ir.Table:
    """RFM table, one row per customer with an order on or before ``as_of``.

    Columns :data:`RFM_COLUMNS`: ``customer_id, recency_days, frequency, monetary, r_score,
    f_score, m_score, segment``. ``as_of`` defaults to the date of the latest order.
    ``order_col=None``: each row is one order; else frequency counts distinct ``order_col``.
    """
    base, _ = customer_rfm_base(orders, as_of=as_of, customer_col=customer_col,
                                time_col=time_col, amount_col=amount_col, order_col=order_col)
    return score(base, segments).select(*RFM_COLUMNS)


def segment_summary(rfm_table: ir.Table) -> ir.Table:
    """Per segment: customers, share of customers, monetary total (for reports and charts)."""
    t = rfm_table
    g = t.group_by("segment").aggregate(customers=t.count(), monetary=t.monetary.sum())
    return g.mutate(share=g.customers.cast("float64") / g.customers.sum().over()) \
        .order_by(ibis.desc("customers"), "segment")


def grid_summary(rfm_table: ir.Table) -> ir.Table:
    """Per (r_score, f_score) cell: customers, total and average monetary (the RFM grid)."""
    t = rfm_table
    return t.group_by("r_score", "f_score").aggregate(
        customers=t.count(), monetary=t.monetary.sum(),
        avg_monetary=t.monetary.cast("float64").mean(),
    ).order_by("r_score", "f_score")

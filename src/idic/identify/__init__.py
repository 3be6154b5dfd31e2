"""Identify: resolve every source record into one persistent customer.

Identity graph over strong identifiers (with a super-node guard), probabilistic matching with
Splink, clustering with persistent customer ids and lineage, analyst overrides, golden
records and explanations. See ``docs/identify.md``.

    from idic.identify import run, explain, merge, split, evaluate
    run(ws)                                  # -> {"records": ..., "customers": ..., ...}
    explain(ws, "web:W-1", "store:S-9")      # why (not) the same customer
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from idic.workspace import Workspace

__all__ = ["evaluate", "explain", "merge", "run", "split"]


def run(ws: Workspace, **kwargs: Any) -> dict[str, Any]:
    """Run the identify stage (see :func:`idic.identify.stage.run`)."""
    from idic.identify.stage import run as _run

    return _run(ws, **kwargs)


def explain(ws: Workspace, a: str, b: str, **kwargs: Any) -> dict[str, Any]:
    """Why records ``a`` and ``b`` (``SOURCE:ID``) are or are not the same customer."""
    from idic.identify.explain import explain as _explain

    return _explain(ws, a, b, **kwargs)


def merge(ws: Workspace, a: str, b: str, note: str | None = None) -> None:
    """Record an analyst merge of two records; applied by this and every later run."""
    from idic.identify.cluster import add_override
    from idic.identify.explain import parse_rid

    add_override(ws.engine, "merge", parse_rid(a), parse_rid(b), note)


def split(ws: Workspace, record: str, note: str | None = None) -> None:
    """Record an analyst split of a record from its customer; applied by every later run."""
    from idic.identify.cluster import add_override
    from idic.identify.explain import parse_rid

    add_override(ws.engine, "split", parse_rid(record), None, note)


def evaluate(ws: Workspace, truth: Any) -> dict[str, float]:
    """Pairwise precision / recall / F1 of ``identity_map`` against a truth table or file."""
    from pathlib import Path

    from idic.identify.quality import evaluate_workspace, read_truth

    if isinstance(truth, str | Path):
        truth = read_truth(Path(truth))
    return evaluate_workspace(ws.engine, truth)

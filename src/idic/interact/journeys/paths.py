"""Paths: the most common journeys, as a Sankey, and omnichannel trajectories.

Works on the aggregated-path frame (``path, conversions, nulls, value``), which is small
(one row per distinct path) whatever the number of events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pandas as pd

from idic.interact.journeys.attribution import split_path

OTHER = "other"
CONVERSION = "(conversion)"
DROP_OFF = "(drop-off)"


@dataclass
class SankeyData:
    """Nodes labelled ``"<step>. <channel>"``; links with value = journeys."""

    labels: list[str]
    sources: list[int]
    targets: list[int]
    values: list[float]

    def to_dict(self) -> dict[str, Any]:
        return {"labels": self.labels, "sources": self.sources, "targets": self.targets,
                "values": self.values}


def top_paths(paths: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` most frequent paths with journeys, conversion rate and share of journeys."""
    df = paths.copy()
    df["journeys"] = df["conversions"] + df["nulls"]
    total = df["journeys"].sum()
    df["conversion_rate"] = df["conversions"] / df["journeys"].where(df["journeys"] > 0)
    df["share"] = df["journeys"] / total if total else 0.0
    df["length"] = df["path"].map(lambda p: len(split_path(p)))
    return df.sort_values(["journeys", "conversions", "path"],
                          ascending=[False, False, True]).head(n).reset_index(drop=True)


def sankey(paths: pd.DataFrame, *, steps: int = 4, top: int = 5) -> SankeyData:
    """Sankey of the first ``steps`` touches: per step the ``top`` channels, the rest "other";
    each path ends in a conversion or a drop-off node after its last shown touch."""
    by_step: list[dict[str, float]] = [defaultdict(float) for _ in range(steps)]
    rows = []
    for path, conv, null in zip(paths["path"], paths["conversions"], paths["nulls"],
                                strict=True):
        touches = split_path(path)[:steps] if path else []
        truncated = len(split_path(path)) > steps if path else False
        if not touches:
            continue
        rows.append((touches, float(conv), float(null), truncated))
        for i, ch in enumerate(touches):
            by_step[i][ch] += conv + null
    keep = [set(sorted(d, key=lambda c: (-d[c], c))[:top]) for d in by_step]
    index: dict[str, int] = {}

    def node(label: str) -> int:
        if label not in index:
            index[label] = len(index)
        return index[label]

    links: dict[tuple[int, int], float] = defaultdict(float)
    for touches, conv, null, truncated in rows:
        names = [f"{i + 1}. {ch if ch in keep[i] else OTHER}" for i, ch in enumerate(touches)]
        ids = [node(x) for x in names]
        for a, b in pairwise(ids):
            links[(a, b)] += conv + null
        if not truncated:
            if conv:
                links[(ids[-1], node(CONVERSION))] += conv
            if null:
                links[(ids[-1], node(DROP_OFF))] += null
    labels = list(index)
    items = sorted(links.items())
    return SankeyData(labels, [a for (a, _), _ in items], [b for (_, b), _ in items],
                      [v for _, v in items])


def channel_switches(path: str) -> int:
    touches = split_path(path)
    return sum(1 for a, b in pairwise(touches) if a != b)


def trajectories(paths: pd.DataFrame) -> dict[str, Any]:
    """Omnichannel trajectories: how often journeys switch channel and what it does.

    Returns ``by_switches`` (journeys and conversion rate by number of channel switches,
    capped at 3+), ``continuity`` (single-channel vs multichannel journeys) and
    ``transitions`` (from-channel, to-channel, count, conversion rate of journeys containing
    that hand-over; from == to is continuity).
    """
    by_sw: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    cont: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    trans: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    total_switches = total_j = 0.0
    for path, conv, null in zip(paths["path"], paths["conversions"], paths["nulls"],
                                strict=True):
        touches = split_path(path)
        if not touches:
            continue
        n = conv + null
        sw = channel_switches(path)
        total_switches += sw * n
        total_j += n
        key = str(sw) if sw < 3 else "3+"
        by_sw[key][0] += n
        by_sw[key][1] += conv
        kind = "single-channel" if len(set(touches)) == 1 else "multichannel"
        cont[kind][0] += n
        cont[kind][1] += conv
        for pair in set(pairwise(touches)):
            trans[pair][0] += n
            trans[pair][1] += conv

    def rows(d: dict[Any, list[float]], name: str | tuple[str, str]) -> list[dict[str, Any]]:
        out = []
        for k, (n, c) in sorted(d.items()):
            base = dict(zip(name, k, strict=True)) if isinstance(name, tuple) else {name: k}
            out.append({**base, "journeys": n, "conversions": c,
                        "conversion_rate": c / n if n else None})
        return out

    return {
        "mean_switches": total_switches / total_j if total_j else 0.0,
        "by_switches": rows(by_sw, "switches"),
        "continuity": rows(cont, "kind"),
        "transitions": rows(trans, ("from_channel", "to_channel")),
    }

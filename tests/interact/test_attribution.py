"""Attribution models on hand-checkable toys."""

from __future__ import annotations

import pandas as pd
import pytest

from idic.errors import InputError
from idic.interact.journeys.attribution import (
    PATH_MODELS,
    attribute,
    read_paths,
    removal_effects,
)


def paths(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["path", "conversions", "nulls"])


TOY = paths([("A > B > C", 1, 0), ("A > C", 0, 1), ("B", 1, 1), ("C > A", 1, 0)])


def test_markov_removal_effect_toy() -> None:
    credits = attribute(TOY, "markov")
    assert credits["A"] == pytest.approx(96 / 85)
    assert credits["B"] == pytest.approx(81 / 85)
    assert credits["C"] == pytest.approx(78 / 85)
    assert sum(credits.values()) == pytest.approx(3)


def test_markov_removal_effects_are_exact() -> None:
    # P(conv) = 1/2; without A: 5/24, without B: 1/4, without C: 1/4 + ... (hand-computed)
    eff = removal_effects(TOY)
    assert eff["A"] / eff["B"] == pytest.approx(96 / 81)
    assert eff["C"] / eff["B"] == pytest.approx(78 / 81)


def test_shapley_toy() -> None:
    credits = attribute(paths([("a", 4, 0), ("a > b", 6, 0)]), "shapley")
    assert credits == pytest.approx({"a": 7.0, "b": 3.0})


def test_shapley_matches_coalition_enumeration() -> None:
    from itertools import combinations
    from math import factorial

    p = paths([("x > y", 3, 2), ("y > z > x", 2, 1), ("z", 5, 5), ("y", 1, 0), ("x > x", 2, 0)])
    players = ["x", "y", "z"]
    sets = [(set(s.split(" > ")), c) for s, c in zip(p["path"], p["conversions"], strict=True)]

    def v(coalition: set[str]) -> float:
        return sum(c for s, c in sets if s <= coalition)

    n = len(players)
    expected = {}
    for i in players:
        others = [q for q in players if q != i]
        total = 0.0
        for k in range(n):
            for s in combinations(others, k):
                w = factorial(k) * factorial(n - k - 1) / factorial(n)
                total += w * (v(set(s) | {i}) - v(set(s)))
        expected[i] = total
    assert attribute(p, "shapley") == pytest.approx(expected)


def test_heuristic_models() -> None:
    p = paths([("a > b > c > d", 10, 3), ("b", 2, 0), ("c > a", 0, 7), ("a > b", 4, 0)])
    assert attribute(p, "first") == pytest.approx({"a": 14, "b": 2, "c": 0, "d": 0})
    assert attribute(p, "last") == pytest.approx({"d": 10, "b": 6, "a": 0, "c": 0})
    assert attribute(p, "linear") == pytest.approx({"a": 2.5 + 2, "b": 2.5 + 2 + 2, "c": 2.5,
                                                    "d": 2.5})
    assert attribute(p, "position") == pytest.approx({"a": 4 + 2, "b": 1 + 2 + 2, "c": 1,
                                                      "d": 4})


@pytest.mark.parametrize("model", PATH_MODELS)
def test_credits_sum_to_total_conversions(model: str) -> None:
    p = paths([("email > web > web", 5, 10), ("social > web", 3, 9), ("store", 2, 1),
               ("web > email > store > web", 7, 2), ("social", 0, 4)])
    assert sum(attribute(p, model).values()) == pytest.approx(17)


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="missing column"):
        read_paths(pd.DataFrame({"path": ["a"], "conversions": [1]}))
    with pytest.raises(InputError, match="line 3"):
        read_paths(paths([("a", 1, 0), ("b", -1, 0)]))
    with pytest.raises(InputError, match="unknown attribution model"):
        attribute(TOY, "magic")
    with pytest.raises(InputError, match="touch"):
        attribute(TOY, "time_decay")

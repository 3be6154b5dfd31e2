"""PageRank equals networkx's (its own test graph, Zachary's karate club, random graphs)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from idic.cli.main import app
from idic.errors import InputError
from idic.interact.network.pagerank import pagerank

nx = pytest.importorskip("networkx")

#: Langville & Meyer's example as in networkx's test_pagerank.py (node 2 dangling), alpha 0.9
LM_EDGES = [(1, 2), (1, 3), (3, 1), (3, 2), (3, 5), (4, 5), (4, 6), (5, 4), (5, 6), (6, 4)]
LM_SCORES = {1: 0.03721197, 2: 0.05395735, 3: 0.04150565, 4: 0.37508082, 5: 0.20599833,
             6: 0.28624589}


def _split(edges):
    return [a for a, _ in edges], [b for _, b in edges]


def test_langville_meyer_graph_equals_networkx_and_published_scores() -> None:
    s, t = _split(LM_EDGES)
    ours = pagerank(s, t, damping=0.9, tol=1e-8)
    ref = nx.pagerank(nx.DiGraph(LM_EDGES), alpha=0.9, tol=1e-8)
    for node, score in LM_SCORES.items():
        assert ours[node] == pytest.approx(ref[node], abs=1e-6)
        assert ours[node] == pytest.approx(score, abs=1e-6)
    assert sum(ours.values()) == pytest.approx(1.0, abs=1e-12)


def test_personalised_and_dangling_equal_networkx() -> None:
    s, t = _split(LM_EDGES)
    pers = {1: 1.0, 4: 3.0}
    ours = pagerank(s, t, damping=0.9, personalization=pers)
    ref = nx.pagerank(nx.DiGraph(LM_EDGES), alpha=0.9, personalization=pers)
    assert max(abs(ours[k] - ref[k]) for k in ref) < 1e-6


def test_karate_club_top_nodes_and_scores() -> None:
    g = nx.karate_club_graph()
    d = g.to_directed()
    s, t = _split(list(d.edges()))
    ours = pagerank(s, t)
    ref = nx.pagerank(g, weight=None)  # unweighted, as asked
    assert max(abs(ours[k] - ref[k]) for k in ref) < 1e-6
    assert sorted(ours, key=ours.get, reverse=True)[:3] == [33, 0, 32]


def test_weighted_only_when_asked() -> None:
    g = nx.karate_club_graph()
    d = g.to_directed()
    edges = list(d.edges(data="weight"))
    ours = pagerank([a for a, _, _ in edges], [b for _, b, _ in edges],
                    weights=[w for _, _, w in edges])
    ref = nx.pagerank(g)  # networkx weighs by "weight" by default
    assert max(abs(ours[k] - ref[k]) for k in ref) < 1e-6


def test_bad_arguments_are_input_errors() -> None:
    with pytest.raises(InputError):
        pagerank(["a"], ["b"], damping=1.5)
    with pytest.raises(InputError):
        pagerank(["a"], ["b"], weights=[-1.0])
    with pytest.raises(InputError):
        pagerank(["a", None], ["b", "c"])
    assert pagerank([], []) == {}


nodes = st.integers(0, 12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(nodes, nodes), min_size=1, max_size=40),
       st.floats(0.05, 0.95))
def test_random_graphs_with_loops_and_repeats_equal_networkx(edges, alpha) -> None:
    s, t = _split(edges)
    ours = pagerank(s, t, damping=alpha)
    ref = nx.pagerank(nx.DiGraph(edges), alpha=alpha)
    assert set(ours) == set(ref)
    assert max(abs(ours[k] - ref[k]) for k in ref) < 1e-6


# -- the CLI contract, fuzzed -------------------------------------------------------------

runner = CliRunner()
names = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                min_size=1, max_size=8)


def _rank(path: Path, *extra: str):
    return runner.invoke(app, ["network", "rank", str(path), "--source-col", "from",
                               "--target-col", "to", *extra, "--json"])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(names, names), min_size=1, max_size=15),
       st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
def test_cli_rank_fuzzed_csv_equals_networkx(tmp_path: Path, edges, quoting) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator="\n")
    w.writerow(["from", "to"])
    w.writerows(edges)
    path = tmp_path / "edges.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    res = _rank(path, "--damping", "0.8")
    assert res.exit_code == 0, res.output
    scores = json.loads(res.stdout)["scores"]
    ref = nx.pagerank(nx.DiGraph(edges), alpha=0.8)
    assert set(scores) == set(ref)
    assert max(abs(scores[k] - ref[k]) for k in ref) < 1e-6
    assert sum(scores.values()) == pytest.approx(1.0)


def test_cli_rank_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    res = _rank(empty)
    assert res.exit_code == 2 and "empty" in res.output
    header = tmp_path / "header.csv"
    header.write_text("from,to\n")
    res = _rank(header)
    assert res.exit_code == 2 and "no edges" in res.output
    blank = tmp_path / "blank.csv"
    blank.write_text("from,to\na,b\nc,\n")
    res = _rank(blank)
    assert res.exit_code == 2 and "row 2" in res.output and "'to'" in res.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("src,dst\na,b\n")
    res = _rank(wrong)
    assert res.exit_code == 2 and "column 'from' not found" in res.output
    res = _rank(blank, "--damping", "2")
    assert res.exit_code == 2 and "damping" in res.output


def test_cli_rank_self_loops_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("from,to\na,a\na,b\na,b\nb,c\n")
    scores = json.loads(_rank(path).stdout)["scores"]
    ref = nx.pagerank(nx.DiGraph([("a", "a"), ("a", "b"), ("b", "c")]))
    assert max(abs(scores[k] - ref[k]) for k in ref) < 1e-6

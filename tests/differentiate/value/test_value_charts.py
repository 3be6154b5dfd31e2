"""The value charts build from the stage's summaries."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from idic.charts.value import (
    abc_figure,
    lorenz_figure,
    migration_figure,
    rfm_grid_figure,
    segment_figure,
    value_matrix_figure,
)


def test_charts_build() -> None:
    lorenz = pd.DataFrame({"customer_share": [0, 0.5, 0.8, 1.0],
                           "value_share": [0, 0.1, 0.3, 1.0]})
    fig = lorenz_figure(lorenz, gini=0.6, share_80=0.2)
    assert isinstance(fig, go.Figure) and len(fig.data) == 3
    # Pareto curve: top 20% of customers hold 70%
    assert abs(list(fig.data[2].x)[1] - 0.2) < 1e-12 and abs(list(fig.data[2].y)[1] - 0.7) < 1e-12
    grid = pd.DataFrame({"r_score": [1, 5], "f_score": [1, 5], "customers": [3, 4],
                         "monetary": [10.0, 400.0], "avg_monetary": [3.3, 100.0]})
    assert rfm_grid_figure(grid).data[0].z[4][4] == 4
    seg = pd.DataFrame({"segment": ["Lost", "Champions"], "customers": [3, 4],
                        "share": [3 / 7, 4 / 7]})
    assert len(segment_figure(seg).data) == 1
    cls = pd.DataFrame({"abc_class": ["A", "B", "C"], "customer_share": [0.2, 0.3, 0.5],
                        "value_share": [0.8, 0.15, 0.05]})
    assert len(abc_figure(cls).data) == 2
    cv = pd.DataFrame({"customer_id": list("abcd"), "actual_value": [100, 5, -3, 1],
                       "unrealised_potential": [10, 80, 0, 1],
                       "value_category": ["MVC", "MGC", "BZ", "LMC"]})
    assert {t.name for t in value_matrix_figure(cv).data} == {"MVC", "MGC", "BZ", "LMC"}
    flows = pd.DataFrame({"category_from": ["LMC", "NEW", "MVC"],
                          "category_to": ["MGC", "LMC", "MVC"], "customers": [5, 2, 7]})
    s = migration_figure(flows).data[0]
    assert list(s.link.value) == [5, 2, 7] and len(s.node.label) == 6

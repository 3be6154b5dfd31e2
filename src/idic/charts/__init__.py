"""Charts: plain functions returning Plotly figures; nothing displays itself.

One module per domain, reused by the report (:mod:`idic.measure.report`) and the dashboard
(:mod:`idic.web`):

* :mod:`idic.charts.value` - Lorenz / Pareto, ABC classes, RFM grid and segments, value
  matrix, migrators;
* :mod:`idic.charts.clv` - CLV distribution and the holdout diagnostics;
* :mod:`idic.charts.journeys` - funnel, Sankey, journey map, emotion curve, attribution,
  moments of truth;
* :mod:`idic.charts.measure` - cohort heat map, retention curve, equity / ROC waterfall, KPI
  comparison, P(alive) map, equity by group, actions.

Modules are imported on use (``from idic.charts import value``), so a missing optional stage
never breaks the others.
"""

from __future__ import annotations

import importlib
from types import ModuleType

MODULES = ("clv", "journeys", "measure", "value")

__all__ = list(MODULES)


def __getattr__(name: str) -> ModuleType:
    if name in MODULES:
        return importlib.import_module(f"idic.charts.{name}")
    raise AttributeError(f"module 'idic.charts' has no attribute {name!r}")

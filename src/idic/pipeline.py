"""The pipeline: IDIC stages in order, each ``run(ws) -> dict`` and idempotent."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idic.workspace import Workspace


@dataclass(frozen=True)
class Stage:
    name: str
    module: str
    needs: tuple[str, ...]  # tables that must hold rows for the stage to make sense
    description: str

    def runner(self) -> Callable[..., dict[str, Any]]:
        return importlib.import_module(self.module).run


STAGES: tuple[Stage, ...] = (
    Stage("identify", "idic.identify.stage", ("identities",),
          "resolve source records into persistent customers"),
    Stage("clv", "idic.differentiate.value.clv.stage", ("orders",),
          "fit BG/NBD + Gamma-Gamma, predict P(alive), purchases, CLV"),
    Stage("value", "idic.differentiate.value.stage", ("orders",),
          "RFM, ABC/Pareto, actual & potential value, value categories"),
    Stage("needs", "idic.differentiate.needs.stage", ("orders",),
          "needs features, segments (Dirichlet-multinomial mixture), profiles, recommendations"),
    Stage("journeys", "idic.interact.stage", ("events",),
          "touchpoint taxonomy, journeys, funnels, paths, moments of truth"),
    Stage("accounts", "idic.accounts.stage", ("accounts",),
          "B2B: contacts linked to accounts; orders, RFM, CLV, value, journeys per account"),
    Stage("voice", "idic.interact.voice.stage", (),  # surveys and/or social: run() checks
          "NPS with intervals by month, touchpoint, channel, value category; mention sentiment"),
    Stage("network", "idic.interact.network.stage", (),  # referrals and/or social: run() checks
          "referral and social graphs, PageRank, referral value, roles, bashers"),
    Stage("customize", "idic.customize.stage", (),
          "customer profile; audiences refreshed behind the consent gate; treatments"),
    Stage("nba", "idic.customize.nba.stage", (), "next best action per customer, behind the gates"),
    Stage("tasks", "idic.customize.tasks.stage", (), "follow-up tasks for people from next best actions"),
    Stage("measure", "idic.measure.stage", ("orders",),
          "customer equity, return on customer, KPIs, cohorts"),
)


def available_stages() -> list[Stage]:
    """Stages whose module is installed (later stages join as they are built)."""
    out = []
    for stage in STAGES:
        try:
            stage.runner()
        except (ImportError, AttributeError):
            continue
        out.append(stage)
    return out


def run_stage(ws: Workspace, name: str, **options: Any) -> dict[str, Any]:
    for stage in STAGES:
        if stage.name == name:
            return stage.runner()(ws, **options)
    raise KeyError(name)


def run_all(ws: Workspace, progress: Callable[[str], None] | None = None
            ) -> dict[str, dict[str, Any]]:
    """Run every available stage whose input tables hold data; returns each stage's summary."""
    results: dict[str, dict[str, Any]] = {}
    for stage in available_stages():
        if any(ws.engine.count(t) == 0 for t in stage.needs):
            results[stage.name] = {"skipped": f"no rows in {', '.join(stage.needs)}"}
            continue
        if progress:
            progress(stage.name)
        results[stage.name] = stage.runner()(ws)
    return results

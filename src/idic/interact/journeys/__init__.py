"""Journeys: touchpoint taxonomy, sessions and journeys, funnels, paths, attribution,
pain points and moments of truth, and the customer journey map (DOMAIN.md section 4)."""

from idic.interact.journeys.attribution import MODELS, PATH_MODELS, attribute, markov, shapley
from idic.interact.journeys.funnels import FunnelResult, funnel, funnel_attempts
from idic.interact.journeys.journey_map import JourneyMap, build_map, render_html
from idic.interact.journeys.moments import moments
from idic.interact.journeys.paths import sankey, top_paths, trajectories
from idic.interact.journeys.persons import person_events
from idic.interact.journeys.service import (
    attribute_workspace,
    journey_map,
    segment_persons,
    workspace_journeys,
    workspace_moments,
    workspace_paths,
    workspace_touchpoints,
)
from idic.interact.journeys.sessions import JourneySpec, aggregate_paths, journeys, touchpoints
from idic.interact.journeys.stage import run
from idic.interact.journeys.taxonomy import Taxonomy, classify, load_rules

__all__ = [
    "MODELS", "PATH_MODELS", "FunnelResult", "JourneyMap", "JourneySpec", "Taxonomy",
    "aggregate_paths", "attribute", "attribute_workspace", "build_map", "classify", "funnel",
    "funnel_attempts", "journey_map", "journeys", "load_rules", "markov", "moments",
    "person_events", "render_html", "run", "sankey", "segment_persons", "shapley", "top_paths",
    "touchpoints", "trajectories", "workspace_journeys", "workspace_moments", "workspace_paths",
    "workspace_touchpoints",
]

"""The Interact stage of the pipeline (``idic run`` / ``idic demo``): the journeys stage."""

from idic.interact.journeys.stage import run

__all__ = ["run"]

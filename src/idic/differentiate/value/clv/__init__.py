"""Predictive customer lifetime value: the "buy till you die" models, fitted by maximum
likelihood, with the summary computed in the engine.

- :class:`BetaGeoModel` — BG/NBD (Fader, Hardie & Lee 2005)
- :class:`ParetoNBDModel` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987)
- :class:`GammaGammaModel` — spend per transaction (Fader, Hardie & Lee 2005; Colombo & Jiang 1999)
- :class:`ShiftedBetaGeoModel` — contractual retention (Fader & Hardie 2007)
- :func:`summarize` — frequency / recency / T / monetary value (and holdout) as Ibis
- :func:`idic.differentiate.value.clv.stage.run` — the workspace stage writing the ``clv`` table
"""

from idic.differentiate.value.clv.bgnbd import BetaGeoModel
from idic.differentiate.value.clv.gammagamma import GammaGammaModel
from idic.differentiate.value.clv.paretonbd import ParetoNBDModel
from idic.differentiate.value.clv.sbg import ShiftedBetaGeoModel
from idic.differentiate.value.clv.summary import summarize

MODELS = {
    "bgnbd": BetaGeoModel,
    "paretonbd": ParetoNBDModel,
    "gammagamma": GammaGammaModel,
    "sbg": ShiftedBetaGeoModel,
}

__all__ = [
    "MODELS",
    "BetaGeoModel",
    "GammaGammaModel",
    "ParetoNBDModel",
    "ShiftedBetaGeoModel",
    "summarize",
]

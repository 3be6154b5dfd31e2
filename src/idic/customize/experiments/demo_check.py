"""The demo's planted experiments against what the analysis measures (``idic demo``'s
ground-truth lines): the checkout A/B test (:mod:`idic.datasets.demo_checkout`), analysed
with CUPED on the pre-period revenue and saved as experiment ``checkout-test``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from idic.workspace import Workspace

CHECKOUT_NAME = "checkout-test"


def checkout_vs_truth(data_dir: Path, ws: Workspace | None = None) -> dict[str, Any] | None:
    """Planted vs measured conversion lift of the demo's checkout test (None without the
    file). With ``ws`` the analysis is saved as experiment ``checkout-test``."""
    from idic.customize.experiments.analysis import analyze_file
    from idic.datasets import demo_checkout as dc

    path, params = Path(data_dir) / dc.FILE, Path(data_dir) / "truth" / "params.json"
    if not path.exists() or not params.exists():
        return None
    truth = json.loads(params.read_text()).get("checkout_test")
    if not truth:
        return None
    res = analyze_file(path, variant=truth["variant_col"], value="converted",
                       control=truth["control"], pre="pre_revenue",
                       weights=dict(zip(truth["arms"], truth["weights"], strict=True)))
    if ws is not None:
        from idic.customize.experiments.store import save_result

        save_result(ws, CHECKOUT_NAME, res)
    v = res["variants"][truth["arms"][1]]
    a = v["absolute"]
    planted = truth["conversion_lift_absolute"]
    lo, hi = a["ci"]
    return {"measured": a["effect"], "ci": [lo, hi], "planted": planted,
            "found": lo is not None and hi is not None and lo <= planted <= hi,
            "unit": "conversion", "cuped_variance_reduction": v["cuped"]["variance_reduction"],
            "srm_p_value": res["srm"]["p_value"], "units": sum(res["srm"]["counts"].values())}

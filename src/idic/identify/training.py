"""What the probabilistic model learns from: labelled pairs, their representativeness, and the
packaged default model.

**Labelled pairs.** Records linked by a strong identifier (an e-mail, a loyalty card, an
account) show how one person's names, birth date and address vary across sources, so m (the
probability of each level among matches) is estimated from them. But the super-node guard
decides which identifier links exist by looking at the very fields the model compares: it
refuses a shared e-mail or phone whose records have different first names. Identifier-linked
pairs therefore never disagree on first name, and a model trained on them alone learns that
one person's first name never changes (FEBRL1 with the national id as an e-mail: P(different
first names | same person) 0.018 instead of 0.136; recall 0.96).

The guard's censoring is measured and undone: pairs sharing a guarded identifier value that
the guard refused, but whose other, independent evidence says one person (last names within
2 edits **and** the same birth date, both present), are added to the labels
(:func:`readmitted_pairs`). Family members sharing an e-mail differ in birth date; a person
whose first name was replaced, abbreviated or mistyped beyond 2 edits does not. The share of
such pairs among all labelled pairs is reported; above :data:`UNREPRESENTATIVE_SHARE` the
identifier links alone are called unrepresentative (``models/identify_training.json``).

Why not EM alone: on retail-like data (the demo generator: households sharing surname and
address, few birth dates), Splink's EM over the usual blocks converges to "one household =
one person" (P(different first names | match) 0.75) and demo precision falls from 0.99 to
0.74. EM remains the estimator when fewer than ``MIN_LABELS`` labelled pairs exist
(FEBRL2/3/4 without national id).

**Default model.** ``default_model.json`` completes trained models (u not estimable, m of
levels never seen among the labelled pairs) and scores workspaces under 200 records. It is
trained on generated demo data only (:func:`train_default_model`; ``python -m
idic.identify.training``), never on a data set a test scores.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from idic.engine import Engine
from idic.identify.graph import _first_names_disagree, _names, _near

log = logging.getLogger(__name__)

MAX_LABELS = 200_000  # labelled pairs handed to Splink at most
UNREPRESENTATIVE_SHARE = 0.02  # re-admitted share above which identifier links are biased
REPORT_FILE = "identify_training.json"
DEFAULT_MODEL_SEED = 20_240  # the demo seed of the packaged model (no test uses it)
DEFAULT_MODEL_CUSTOMERS = 5_000
# m of a comparison never observed among the demo's labelled pairs (its birth dates are on
# one source only, so no labelled pair carries two): assumed, not trained. A birth date is
# usually copied right; a typo changes one or two characters.
ASSUMED_M = {"birth_date": [0.90, 0.04, 0.02, 0.04]}


def readmitted_pairs(values: ir.Table, guarded: ir.Table, recs: ir.Table) -> ir.Table:
    """(rid_l, rid_r) sharing a guarded value (not a big super-node) whose first names
    disagree but whose last names are within 2 edits and birth dates equal (both present):
    one person the guard kept apart by the very field the model must learn to forgive."""
    small = guarded.filter(~guarded.reason.startswith("shared by more"))
    held = values.semi_join(small, [values.id_type == small.id_type,
                                    values.id_value == small.id_value])
    held = held.join(_names(recs), "rid")
    other = held.view()
    pairs = held.join(other, [held.id_type == other.id_type, held.id_value == other.id_value,
                              held.rid < other.rid])
    same = (_first_names_disagree(held, other) & _near(held.last_name, other.last_name)
            & (held.birth_date == other.birth_date).fill_null(False))
    pairs = pairs.select(rid_l=held.rid, rid_r=other.rid, keep=same)
    return pairs.filter(pairs.keep).select("rid_l", "rid_r").distinct()


def training_pairs(engine: Engine, id_edges: ir.Table, values: ir.Table, guarded: ir.Table,
                   recs: ir.Table) -> tuple[pa.Table, dict[str, Any]]:
    """Labelled pairs for m (identifier links without the name-selected ``+name`` ones, plus
    :func:`readmitted_pairs`) and a report on how representative the identifier links were."""
    clean = id_edges.filter(~id_edges.id_type.endswith("+name")).select("rid_l", "rid_r")
    back = readmitted_pairs(values, guarded, recs)
    n_clean = int(clean.count().execute())
    n_back = int(back.count().execute())
    labels = engine.to_arrow(ibis.union(clean, back, distinct=True).limit(MAX_LABELS))
    share = n_back / (n_clean + n_back) if n_clean + n_back else 0.0
    report = {
        "identifier_pairs": n_clean,
        "readmitted_pairs": n_back,
        "readmitted_share": round(share, 5),
        "identifier_links_representative": share < UNREPRESENTATIVE_SHARE,
        "labels": labels.num_rows,
    }
    if not report["identifier_links_representative"]:
        log.warning("identifier-linked pairs are unrepresentative: %d pairs refused by the "
                    "guard agree on last name and birth date (%.1f%%); they are added to the "
                    "training labels", n_back, 100 * share)
    return labels, report


def write_report(model_file: Path, report: dict[str, Any]) -> None:
    path = Path(model_file).with_name(REPORT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))


def read_report(model_file: Path) -> dict[str, Any] | None:
    path = Path(model_file).with_name(REPORT_FILE)
    return json.loads(path.read_text()) if path.exists() else None


def train_default_model(out: Path, *, customers: int = DEFAULT_MODEL_CUSTOMERS,
                        seed: int = DEFAULT_MODEL_SEED) -> dict[str, Any]:
    """Train the packaged default model on generated demo data (``customers``, ``seed``) and
    write it to ``out``; returns the training report. The demo generator is the only source:
    FEBRL and the demo seeds that tests score are never used."""
    from idic.datasets import demo
    from idic.identify import probabilistic, stage
    from idic.identify.probabilistic import model_path
    from idic.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        demo.generate(data, customers=customers, seed=seed)
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            ws.ingest("identities", data / "identities.csv")
            ws.ingest("events", data / "events.parquet")
            # gaps are filled by floors, not by the current packaged model (trained elsewhere)
            probabilistic.REFERENCE_MODEL[0] = None
            try:
                stage.run(ws, retrain=True)
            finally:
                probabilistic.REFERENCE_MODEL[0] = probabilistic.DEFAULT_MODEL
            model = json.loads(model_path(ws.path).read_text())
            assumed = _assume_unobserved(model)
            report = read_report(model_path(ws.path)) or {}
        finally:
            ws.close()
    report = {**report, "trained_on": f"idic demo data, {customers} customers, seed {seed}",
              "assumed_m": assumed}
    model = {"idic_trained_on": report["trained_on"], **model}
    Path(out).write_text(json.dumps(model, indent=1) + "\n")
    return report


def _assume_unobserved(model: dict[str, Any]) -> list[str]:
    """Give the comparisons of :data:`ASSUMED_M` whose m was never observed (every level at
    the same floored m after renormalisation) the assumed m; returns their names."""
    done = []
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        assumed = ASSUMED_M.get(comp["output_column_name"])
        ms = {round(lv["m_probability"], 9) for lv in levels}
        if assumed and len(assumed) == len(levels) and len(ms) == 1:
            for lv, m in zip(levels, assumed, strict=True):
                lv["m_probability"] = m
            done.append(comp["output_column_name"])
    return done


if __name__ == "__main__":  # python -m idic.identify.training [OUT]
    import sys

    from idic.identify.probabilistic import DEFAULT_MODEL

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MODEL
    print(json.dumps(train_default_model(target), indent=2))

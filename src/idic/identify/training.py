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
from idic.identify import _backend
from idic.identify.graph import _first_names_disagree, _names, _near

log = logging.getLogger(__name__)

DEFAULT_MODEL = Path(__file__).with_name("default_model.json")
U_PAIRS = 3e5  # record pairs sampled at random to estimate u

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
    # the re-admitted pairs (a self-join of the guarded values) are computed once: counted,
    # then added to the labels
    engine.create_work_table("_idic_readmitted", readmitted_pairs(values, guarded, recs))
    back = engine.table("_idic_readmitted")
    n_clean = int(clean.count().execute())
    n_back = int(back.count().execute())
    # (ordered: the same pairs on every engine when there are more than MAX_LABELS)
    labels = engine.to_arrow(ibis.union(clean, back, distinct=True)
                             .order_by(["rid_l", "rid_r"]).limit(MAX_LABELS))
    _backend.drop_table(engine, "_idic_readmitted")
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
    from idic.identify import stage
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
            REFERENCE_MODEL[0] = None
            try:
                stage.run(ws, retrain=True)
            finally:
                REFERENCE_MODEL[0] = DEFAULT_MODEL
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


M_FLOOR = 1e-3  # smallest m of a level never seen among matches (a strong veto, not -inf)
# Different given names (not a typo, nickname or swap): at most this m, a weight of about
# -13, so that household members sharing address and surname are not merged unless a birth
# date or an identifier says they are one person.
FIRST_NAME_ELSE_M = 1.0


REFERENCE_MODEL: list[Path | None] = [DEFAULT_MODEL]  # what complete() fills gaps from
UNMIX_MAX = 2.0  # un-mixing divides a level's u by at most this (one bit of evidence)
U_FLOOR = 1 / U_PAIRS  # u of a level never seen among the random pairs, without a reference


def complete(settings: dict[str, Any]) -> dict[str, Any]:
    """Complete a trained model with the packaged default model: u not estimable from the
    data, and m of levels never observed among the training matches, come from it; only the
    "else" level of a trained comparison gets :data:`M_FLOOR` instead (different values
    never seen for one person: a strong veto). m of each comparison is renormalised.
    Without a reference model (``REFERENCE_MODEL[0] is None``: training the default model
    itself) unseen u get :data:`U_FLOOR` and unseen m :data:`M_FLOOR`."""
    ref_path = REFERENCE_MODEL[0]
    default = {} if ref_path is None else {
        c["output_column_name"]: c for c in json.loads(ref_path.read_text())["comparisons"]}
    if ref_path is None:
        for comp in settings.get("comparisons", []):
            for lv in comp["comparison_levels"]:
                if not lv.get("is_null_level") and not lv.get("u_probability"):
                    lv["u_probability"] = U_FLOOR
    for comp in settings.get("comparisons", []):
        ref = default.get(comp.get("output_column_name"))
        if ref is not None and len(ref["comparison_levels"]) != len(comp["comparison_levels"]):
            if ref_path is not None:
                continue  # another shape (a hand-written model): left as it is
            ref = None
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        if ref is not None:
            refs = [rl for rl in ref["comparison_levels"] if not rl.get("is_null_level")]
            for lv, rl in zip(levels, refs, strict=True):
                if lv.get("u_probability") in (None, 0) and rl.get("u_probability"):
                    lv["u_probability"] = rl["u_probability"]
            observed = any(lv.get("m_probability") for lv in levels)
            for i, (lv, rl) in enumerate(zip(levels, refs, strict=True)):
                last = i == len(levels) - 1  # the "else" level: unseen among matches = veto
                if not lv.get("m_probability") and rl.get("m_probability") and (
                        not observed or not last):
                    lv["m_probability"] = rl["m_probability"]
        for lv in levels:
            lv["m_probability"] = max(lv.get("m_probability") or 0.0, M_FLOOR)
        if comp.get("output_column_name") == "first_name":
            levels[-1]["m_probability"] = min(levels[-1]["m_probability"], FIRST_NAME_ELSE_M)
        for lv in levels:
            # the swap is evidence once (first_name); on last_name it must not count again,
            # neither as a swap nor as different last names
            if lv.get("label_for_charts") == "last_name and first_name swapped (a typo allowed)":
                lv["m_probability"] = lv["u_probability"]
        total = sum(lv["m_probability"] for lv in levels)
        for lv in levels:
            lv["m_probability"] /= total
        _unmix_u(levels, settings.get("probability_two_random_records_match") or 0.0)
    return settings


def _unmix_u(levels: list[dict[str, Any]], prior: float) -> None:
    """u from random pairs is P(level | random pair) = prior m + (1 - prior) u: the random
    pairs include the true matches. On a small data set with many duplicates (FEBRL1: one
    pair in 1,000 is a match) that inflates the u of agreeing levels several-fold (exact
    birth date: 0.001 observed, 0.0001 among non-matches). Solved for u, floored at
    :data:`U_FLOOR`, renormalised; negligible where matches are rare."""
    if not 0 < prior < 0.5 or any(lv.get("u_probability") is None for lv in levels):
        return
    for lv in levels:
        u = (lv["u_probability"] - prior * lv["m_probability"]) / (1 - prior)
        lv["u_probability"] = max(u, lv["u_probability"] / UNMIX_MAX, U_FLOOR)
    total = sum(lv["u_probability"] for lv in levels)
    for lv in levels:
        lv["u_probability"] /= total


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

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MODEL
    print(json.dumps(train_default_model(target), indent=2))

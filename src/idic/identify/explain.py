"""Why two records are (or are not) the same customer.

The answer gathers: the customer id of each record; identifier values they share (and
whether a value is a guarded super-node); the direct link between them in
``identity_links`` if any; the analyst overrides touching them; and the Splink waterfall:
the prior, then the match weight (log2 Bayes factor) of each compared field with the level
reached, summing to the final match weight and probability, against the threshold.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from idic.errors import InputError, NotFoundError
from idic.identify import cluster as cl
from idic.identify.graph import identifier_values
from idic.identify.probabilistic import (
    DEFAULT_THRESHOLD,
    TF_COLUMNS,
    Matcher,
    model_path,
)
from idic.identify.records import IDENTIFIERS, MATCH_COLUMNS, records

if TYPE_CHECKING:
    from idic.workspace import Workspace


def _input_error(message: str, *, hint: str) -> InputError:
    # InputError(ValueError, IdicError) cannot take hint= (ValueError.__init__ comes first)
    err = InputError(message)
    err.hint = hint
    return err


_COMPARED = {"first_name": ("first_name", "last_name"), "place": ("address", "postcode", "city")}


def parse_rid(text: str) -> str:
    """``SOURCE:ID`` -> the record key (validated)."""
    if ":" not in text or text.startswith(":") or text.endswith(":"):
        raise _input_error(f"{text!r} is not a record reference",
                           hint="name records as SOURCE:SOURCE_RECORD_ID, e.g. web:W-000123")
    return text


def _level_labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """comparison output name -> {comparison vector value: level label}."""
    out: dict[str, dict[int, str]] = {}
    for comp in settings.get("comparisons", []):
        levels = comp.get("comparison_levels", [])
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        labels = {-1: "null"}
        for i, lv in enumerate(non_null):
            labels[len(non_null) - 1 - i] = lv.get("label_for_charts") or lv.get("sql_condition")
        out[comp.get("output_column_name")] = labels
    return out


def waterfall(scored: dict[str, Any], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the match-weight waterfall from a Splink scored pair."""
    p = settings.get("probability_two_random_records_match") or 1e-4
    rows = [{"field": "prior", "level": "probability two random records match",
             "match_weight": round(math.log2(p / (1 - p)), 3)}]
    labels = _level_labels(settings)
    for name, lv in labels.items():
        gamma = scored.get(f"gamma_{name}")
        weight = scored.get(f"mw_{name}")
        if weight is None:
            bf = scored.get(f"bf_{name}")
            weight = 0.0 if bf in (None, 0) else math.log2(bf)
        tf_adj = scored.get(f"mw_tf_adj_{name}") or 0.0
        cols = _COMPARED.get(name, (name,))
        rows.append({"field": name, "level": lv.get(gamma, str(gamma)),
                     "value_l": " | ".join(str(scored.get(f"{c}_l")) for c in cols),
                     "value_r": " | ".join(str(scored.get(f"{c}_r")) for c in cols),
                     "match_weight": round(float(weight) + float(tf_adj), 3),
                     "term_frequency_adjustment": round(float(tf_adj), 3)})
    return rows


def explain(ws: Workspace, a: str, b: str, *, threshold: float | None = None) -> dict[str, Any]:
    """Why records ``a`` and ``b`` (``SOURCE:ID``) are or are not the same customer."""
    a, b = parse_rid(a), parse_rid(b)
    engine = ws.engine
    if threshold is None:
        from idic.identify.stage import last_run

        threshold = (last_run(ws) or {}).get("threshold", DEFAULT_THRESHOLD)
    recs = records(engine)
    pair = recs.filter(recs.rid.isin([a, b]))
    rows = {r["rid"]: r for r in engine.to_arrow(pair).to_pylist()}
    for x in (a, b):
        if x not in rows:
            raise NotFoundError(f"record {x!r} is not in identities",
                                hint="name records as SOURCE:SOURCE_RECORD_ID")
    out: dict[str, Any] = {"records": [a, b]}
    cids = {}
    for x in (a, b):
        try:
            cids[x] = cl.customer_of(engine, x)
        except NotFoundError:
            cids[x] = None
    out["customer_ids"] = cids
    out["same_customer"] = cids[a] is not None and cids[a] == cids[b]

    vals = engine.to_arrow(identifier_values(engine, pair)).to_pylist()
    guarded: dict[tuple[str, str], str] = {}
    if engine.has_table("identity_supernodes"):
        sn = engine.table("identity_supernodes")
        guarded = {(r["id_type"], r["id_value"]): f"super-node: {r['reason']} "
                   f"({r['n_records']} records)" for r in engine.to_arrow(
            sn.filter(sn.id_value.isin([v["id_value"] for v in vals] or [""]))).to_pylist()}
    direct = []
    if engine.has_table("identity_links"):
        lk = engine.table("identity_links")
        d = lk.filter(((lk.rid_l == a) & (lk.rid_r == b)) | ((lk.rid_l == b) & (lk.rid_r == a)))
        direct = engine.to_arrow(d.select("kind", "id_type", "id_value",
                                          "match_probability")).to_pylist()
    # a guarded value still links two records that name the same person (graph.py): the
    # link itself, not the guard, says whether this pair was linked through it
    # (through a guarded value the link's id_type carries the suffix "+name")
    through = {(x["id_type"].removesuffix("+name"), x["id_value"]) for x in direct
               if x["kind"] == "identifier"}
    by_rid: dict[str, set] = {a: set(), b: set()}
    for v in vals:
        by_rid[v["rid"]].add((v["id_type"], v["id_value"]))
    shared = []
    for t, v in sorted(by_rid[a] & by_rid[b]):
        item: dict[str, Any] = {"type": t, "value": v,
                                "linked": (t, v) in through or (t, v) not in guarded,
                                "why_not": None}
        if (t, v) in guarded:
            item["guard"] = guarded[(t, v)]
            if (t, v) in through:
                item["note"] = "a guarded value, linked because both records name the same person"
            else:
                item["why_not"] = guarded[(t, v)]
        shared.append(item)
    out["shared_identifiers"] = shared
    out["differing_identifiers"] = sorted(
        {t for t in IDENTIFIERS if rows[a].get(t) and rows[b].get(t) and rows[a][t] != rows[b][t]})
    out["direct_links"] = [{k: x[k] for k in ("kind", "id_type", "match_probability")}
                           for x in direct]
    ov = cl.active_overrides(engine)
    out["overrides"] = {"split": sorted({a, b} & ov[0]),
                        "merge": [m for m in ov[1] if set(m) & {a, b}]}

    out["threshold"] = threshold
    out["probabilistic"] = None
    if model_path(ws.path).exists():
        m = Matcher(engine, pair, ws.path, everything=recs)
        tf = m.term_frequencies({c: [v for v in (rows[a].get(c), rows[b].get(c)) if v]
                                 for c in TF_COLUMNS})
        scored = m.score_pair(rows[a], rows[b], tf)
        settings = m.settings()
        prob = float(scored["match_probability"])
        out["probabilistic"] = {
            "match_weight": round(float(scored["match_weight"]), 3),
            "match_probability": round(prob, 6),
            "above_threshold": prob >= threshold,
            "waterfall": waterfall(scored, settings),
        }
    out["decision"], out["reason"] = _decide(out)
    out["compared"] = {x: {c: rows[x].get(c) for c in MATCH_COLUMNS} for x in (a, b)}
    return out


def _decide(o: dict[str, Any]) -> tuple[str, str]:
    same = "same customer" if o["same_customer"] else "different customers"
    if o["overrides"]["split"]:
        return same, "an analyst split " + ", ".join(o["overrides"]["split"])
    kinds = {d["kind"] for d in o["direct_links"]}
    if "manual" in kinds:
        return same, "an analyst merged them"
    linked = [s for s in o["shared_identifiers"] if s["linked"]]
    if linked:
        return same, f"they share {linked[0]['type']} {linked[0]['value']}"
    p = o["probabilistic"]
    if p and p["above_threshold"]:
        return same, (f"match probability {p['match_probability']:.4f} >= threshold "
                      f"{o['threshold']}")
    if o["same_customer"]:
        return same, "linked through other records of the same customer"
    why = []
    if o["shared_identifiers"]:
        why.append("their shared identifiers are guarded super-nodes")
    if p:
        why.append(f"match probability {p['match_probability']:.4f} < threshold {o['threshold']}")
    return same, "; ".join(why) or "no shared identifier and no probabilistic match"

"""Probabilistic matching with Splink (Fellegi-Sunter: u by random sampling, m by EM).

The default model compares five pieces of evidence, each with its own levels:

- ``first_name`` and ``last_name``: exact (term-frequency adjusted) / Levenshtein <= 1 /
  <= 2 / else; the first name also has a "names swapped" level (first name of one = last
  name of the other) and a "nickname" level (same root: Bob / Robert, see ``nicknames.py``);
- ``birth_date`` (ISO text): exact / one character different (typo in a digit) / two / else;
- ``place``: address, postcode **and** city as one comparison (address and postcode exact /
  address within 2 edits and postcode exact / address exact / address within 2 edits and
  city exact / postcode and city exact / postcode exact / city exact and postcode one
  character off / city exact / postcode one character off / else). Street, postcode, city
  and region describe one place, so they are never counted as independent evidence (which
  would also merge members of one household); region is not compared at all.

Only functions native to both DuckDB and Spark SQL are used (``levenshtein``), so the model
scores identically on both backends. Candidate pairs come from the blocking rules in
:data:`PREDICT_BLOCKING`. Override the model by writing your own Splink settings JSON to
``<workspace>/models/identify_splink.json`` (it is reused as-is unless ``retrain``).
"""

from __future__ import annotations

import copy
import json
import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

from idic.engine import Engine
from idic.identify import _backend
from idic.identify.records import MATCH_COLUMNS
from idic.identify.training import DEFAULT_MODEL, U_PAIRS, complete

__all__ = ["DEFAULT_MODEL", "U_PAIRS", "complete"]  # re-exported (benchmarks, older imports)

log = logging.getLogger(__name__)
logging.getLogger("splink").setLevel(logging.ERROR)  # its training chatter is not ours

MODEL_FILE = Path("models") / "identify_splink.json"
DEFAULT_THRESHOLD = 0.9  # match probability above which two records are linked
MIN_TRAINING_RECORDS = 200  # below this, the packaged default parameters are used
MIN_LABELS = 50  # identifier-linked pairs needed to estimate m from them

PREDICT_BLOCKING = [
    block_on("first_name", "last_name"),
    block_on("birth_date"),
    block_on("last_name", "postcode"),
    block_on("first_name", "postcode"),
    block_on("address"),
    block_on("substr(first_name, 1, 2)", "substr(last_name, 1, 2)", "city"),
    block_on("postcode", "city"),
    block_on("substr(first_name, 1, 2)", "substr(last_name, 1, 2)", "postcode"),
    "l.first_name = r.last_name AND l.last_name = r.first_name",  # names swapped
    # Blocking must be able to propose what the levels can score above the threshold:
    # the first-name level "swapped, a typo on each name" had only the exact swap above,
    # and a replaced first name with a typo in the last name (FEBRL's corruptions; the
    # model scores such pairs at a shared postcode and near address 0.96-0.98) had no
    # rule at all. Both are proposed at a shared postcode, with the names' first two
    # letters, as the prefix rules above do for a typo; on the demo data they add 0.04%
    # candidate pairs (1,523 to 3.83 million at 200k records).
    "substr(l.first_name, 1, 2) = substr(r.last_name, 1, 2) AND "
    "substr(l.last_name, 1, 2) = substr(r.first_name, 1, 2) AND l.postcode = r.postcode",
    block_on("substr(last_name, 1, 2)", "postcode"),
]


EM_BLOCKING = [
    block_on("first_name", "last_name"),
    block_on("birth_date"),
    block_on("postcode", "address"),
]
PRIOR_RULES = [block_on("first_name", "last_name", "birth_date"),
               block_on("birth_date", "postcode", "address")]


TF_COLUMNS = ("first_name", "last_name")  # exact matches weighted by how rare the name is


def _lev(col: str, thresholds: list[int], label: str) -> cl.CustomComparison:
    levels: list[Any] = [cll.NullLevel(col),
                         cll.ExactMatchLevel(col, term_frequency_adjustments=col in TF_COLUMNS)]
    levels += [cll.LevenshteinLevel(col, k) for k in thresholds]
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=label)


SWAP_EDITS = 1  # first and last name swapped, with up to this many typos on each name


def _swapped(a: str, b: str) -> cll.CustomLevel:
    """First and last name swapped between the records, a typo allowed on each name
    (``Rees Marianne`` / ``Maribanne Rees``)."""
    # plain identifiers: the same SQL on DuckDB and Spark (Spark reads "x" as a string)
    sql = (f"levenshtein({a}_l, {b}_r) <= {SWAP_EDITS} "
           f"AND levenshtein({b}_l, {a}_r) <= {SWAP_EDITS}")
    return cll.CustomLevel(sql, label_for_charts=f"{a} and {b} swapped (a typo allowed)")


def default_comparisons() -> list[Any]:
    first = cl.CustomComparison([
        cll.NullLevel("first_name"),
        cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
        _swapped("first_name", "last_name"),
        cll.LevenshteinLevel("first_name", 1),
        cll.ExactMatchLevel("first_name_root"),
        cll.LevenshteinLevel("first_name", 2),
        cll.ElseLevel(),
    ], output_column_name="first_name")
    a, pc, city = "address", "postcode", "city"
    place = cl.CustomComparison([
        cll.And(cll.NullLevel(a), cll.NullLevel(pc), cll.NullLevel(city)),
        cll.And(cll.ExactMatchLevel(a), cll.ExactMatchLevel(pc)),
        cll.And(cll.LevenshteinLevel(a, 2), cll.ExactMatchLevel(pc)),
        cll.ExactMatchLevel(a),
        cll.And(cll.LevenshteinLevel(a, 2), cll.ExactMatchLevel(city)),
        cll.And(cll.ExactMatchLevel(pc), cll.ExactMatchLevel(city)),
        cll.ExactMatchLevel(pc),
        cll.And(cll.ExactMatchLevel(city), cll.LevenshteinLevel(pc, 1)),
        cll.ExactMatchLevel(city),
        cll.LevenshteinLevel(pc, 1),
        cll.ElseLevel(),
    ], output_column_name="place",
        comparison_description="address, postcode and city as one piece of evidence "
                               "(they are not independent)")
    last = cl.CustomComparison([
        cll.NullLevel("last_name"),
        cll.ExactMatchLevel("last_name", term_frequency_adjustments=True),
        # names swapped: counted once, by first_name; here neutral (m = u, see complete())
        _swapped("last_name", "first_name"),
        cll.LevenshteinLevel("last_name", 1),
        cll.LevenshteinLevel("last_name", 2),
        cll.ElseLevel(),
    ], output_column_name="last_name")
    return [
        first,
        last,
        _lev("birth_date", [1, 2], "birth_date"),
        place,
    ]


def default_settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rid",
        comparisons=default_comparisons(),
        blocking_rules_to_generate_predictions=PREDICT_BLOCKING,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


def term_frequencies(records: ir.Table, values: dict[str, list[str]]) -> dict[str, dict]:
    """Share of non-null records carrying each of ``values`` per column (for explanations)."""
    out: dict[str, dict] = {}
    for col, wanted in values.items():
        t = records.filter(records[col].notnull())
        n = t.count()
        hits = t.filter(t[col].isin(wanted)).group_by(col).agg(k=t[col].count())
        total = int(n.execute()) or 1
        out[col] = {r[col]: r["k"] / total for r in hits.to_pyarrow().to_pylist()}
    return out


def model_path(ws_path: Path) -> Path:
    return Path(ws_path) / MODEL_FILE


def tf_path(model: Path, col: str) -> Path:
    """Where the term frequencies of ``col`` that go with the model ``model`` are kept."""
    return model.parent / f"identify_tf_{col}.parquet"


def match_input(records: ir.Table) -> ir.Table:
    return records.select("rid", *MATCH_COLUMNS)


def _safely(linker: Linker, what: str, fn: Any) -> bool:
    """Run one training step; on failure restore the parameters (Splink may have dropped
    comparisons from its settings half-way)."""
    saved = copy.deepcopy(linker._settings_obj.core_model_settings)
    try:
        fn()
        return True
    except duckdb.InterruptException:
        raise  # the run was stopped (stage._SplinkRun.abort), not a step that failed
    except Exception as exc:
        linker._settings_obj.core_model_settings = saved
        log.warning("%s skipped: %s", what, str(exc).splitlines()[0][:200])
        return False


def train(linker: Linker, n_records: int, *, labels: Any = None, n_label_pairs: int = 0,
          seed: int = 42) -> str:
    """Estimate the model on the data linked to ``linker``.

    1. the match prior from strict deterministic rules, at least the share of record pairs
       linked by identifiers and at least 0.1 n matching pairs;
    2. u by random sampling of record pairs;
    3. m from ``labels`` (a registered Splink table of record pairs linked by strong
       identifiers, plus the pairs the guard refused on first name alone: see
       ``training.py``) when there are enough: pairs sharing an e-mail or a loyalty card
       show how the names and addresses of one person vary across sources; otherwise m by
       EM over the blocks in :data:`EM_BLOCKING`.
    Levels still without m or u are completed by :func:`complete`. Returns where m came
    from: ``"identifier-linked pairs"`` or ``"EM"``.

    ``labels`` may also be a function returning ``(labels, n_label_pairs)``: it is called
    only after the prior and u are estimated (neither reads the labels), so the labelled
    pairs can still be being computed elsewhere meanwhile (``stage.py``).
    """
    training = linker.training
    _safely(linker, "prior", lambda: training.estimate_probability_two_random_records_match(
        PRIOR_RULES, recall=0.7))
    _safely(linker, "u", lambda: training.estimate_u_using_random_sampling(
        max_pairs=U_PAIRS, seed=seed, min_count_per_level=None, num_chunks=1))
    if callable(labels):
        labels, n_label_pairs = labels()
    prior = linker._settings_obj._probability_two_random_records_match or 0.0
    # Strict rules find little when few records carry a birth date: never believe fewer
    # matches than the identifier-linked pairs, nor fewer than one duplicate per 10 records.
    # (u by random sampling does not read the prior, so it may be set after it.)
    pairs = max(n_records * (n_records - 1) / 2, 1)
    floor = max(n_label_pairs / pairs, 0.1 * n_records / pairs)
    if not floor <= prior < 0.5:
        linker._settings_obj._probability_two_random_records_match = min(max(prior, floor), 0.5)
    if labels is not None and _safely(linker, "m from identifier links",
                                      lambda: training.estimate_m_from_pairwise_labels(labels)):
        return "identifier-linked pairs"
    max_pairs = 2e6 if n_records > 200_000 else None
    for rule in EM_BLOCKING:
        _safely(linker, f"EM on {rule}",
                lambda r=rule: training.estimate_parameters_using_expectation_maximisation(
                    r, estimate_without_term_frequencies=True, max_pairs=max_pairs))
    return "EM"


def load_model(path: Path, dialect: str) -> dict[str, Any]:
    """A saved model as a settings dict for ``dialect``.

    Splink stores SQL in the dialect it was trained on. When the saved model has the shape
    of the default model, its SQL is regenerated for ``dialect`` from the default comparisons
    and only the trained parameters are taken from the file, so a model trained on DuckDB
    scores on Spark (and back). Any other (hand-written) model is used as it is.
    """
    saved = json.loads(Path(path).read_text())
    fresh = default_settings().create_settings_dict(dialect)
    old = {c.get("output_column_name"): c for c in saved.get("comparisons", [])}
    same = [c["output_column_name"] for c in fresh["comparisons"]] == list(old) and all(
        len(old[c["output_column_name"]]["comparison_levels"]) == len(c["comparison_levels"])
        for c in fresh["comparisons"])
    if not same:
        return saved
    for comp in fresh["comparisons"]:
        for lv, olv in zip(comp["comparison_levels"],
                           old[comp["output_column_name"]]["comparison_levels"], strict=True):
            for k in ("m_probability", "u_probability"):
                if k in olv:
                    lv[k] = olv[k]
    fresh["probability_two_random_records_match"] = saved.get(
        "probability_two_random_records_match", fresh.get("probability_two_random_records_match"))
    fresh.pop("sql_dialect", None)
    return fresh


class Matcher:
    """A Splink linker over the prepared records of one engine, trained or loaded."""

    def __init__(self, engine: Engine, records: ir.Table, ws_path: Path, *,
                 retrain: bool = False, labels: pa.Table | Callable[[], pa.Table | None]
                 | None = None, everything: ir.Table | None = None,
                 arrow: pa.Table | None = None, db_api: Any = None) -> None:
        """``records``: the records Splink is handed (all of them, or an incremental
        batch); ``everything``: all records, to count term frequencies from when the
        model has none yet (default ``records``).

        ``arrow`` (DuckDB): :func:`match_input` of ``records``, already fetched. With it
        and no ``everything``, the matcher never touches ``engine`` (term frequencies are
        counted from the Arrow table), so it can train and predict in another thread
        while the engine's connection does other work (``stage.py``). ``labels`` may then
        be a function, called once the prior and u are estimated (:func:`train`).
        ``db_api``: the Splink database API to work in (default: a new one), so that a
        caller can interrupt its queries."""
        self.engine = engine
        self.path = model_path(ws_path)
        self.db_api = db_api if db_api is not None else _backend.splink_db_api(engine)
        self.uid = uuid.uuid4().hex[:8]  # Spark temp views are session-wide: unique names
        self._records = records
        data = match_input(records)
        # on DuckDB the records are handed over as Arrow anyway: fetched once, counted there
        if arrow is None and engine.name == "duckdb":
            arrow = engine.to_arrow(data)
        self._arrow = arrow if engine.name == "duckdb" else None
        self.n_records = (self._arrow.num_rows if self._arrow is not None
                          else int(data.count().execute()))
        self.input = _backend.register(self.db_api, engine,
                                       data if self._arrow is None else self._arrow,
                                       f"idic_records_{self.uid}")
        self.source = str(self.path)
        self.m_from: str | None = None  # "identifier-linked pairs" or "EM" when trained here
        dialect = self.db_api.sql_dialect.sql_dialect_str
        if self.path.exists() and not retrain:
            self.settings_dict = load_model(self.path, dialect)
            self.trained = False
        elif self.n_records < MIN_TRAINING_RECORDS:
            # too few records to estimate m and u: use the packaged default parameters
            self.source = str(DEFAULT_MODEL)
            self.settings_dict = load_model(DEFAULT_MODEL, dialect)
            self.trained = False
        else:
            # trained in process on DuckDB whatever the engine (same model on DuckDB and
            # Spark, see _backend.local_db_api), then loaded for the engine's dialect
            train_api, train_input = self.db_api, self.input
            if engine.name != "duckdb":  # (on DuckDB, self.db_api is that in-process DuckDB)
                train_api = _backend.local_db_api()
                train_input = _backend.register_local(train_api, engine, data,
                                                      f"idic_records_{self.uid}")
            # (u by random sampling compares 300,000 mostly unrelated pairs: the cheaper
            # level SQL of fast_levels, the same levels; the model keeps Splink's own SQL)
            plain = default_settings().create_settings_dict("duckdb")
            linker = Linker(train_input, fast_levels(plain), log_level=None)
            self.trained = True

            def registered() -> tuple[Any, int]:
                """The labelled pairs as a Splink table (None when too few) and their count."""
                got = labels() if callable(labels) else labels
                if got is None or got.num_rows < MIN_LABELS:
                    return None, 0 if got is None else got.num_rows
                ds = pa.array([f"idic_records_{self.uid}"] * got.num_rows)
                return _backend.register_local(train_api, engine, pa.table({
                    "source_dataset_l": ds,
                    "rid_l": got["rid_l"],
                    "source_dataset_r": ds,
                    "rid_r": got["rid_r"]}), f"idic_labels_{self.uid}"), got.num_rows

            self.m_from = train(linker, self.n_records, labels=registered)
            model = complete(_with_sql_of(linker.misc.save_model_to_json(), plain))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(model, indent=2))
            self.settings_dict = load_model(self.path, dialect)
        self.linker = Linker(self.input, fast_levels(self.settings_dict)
                             if engine.name == "duckdb" else copy.deepcopy(self.settings_dict),
                             log_level=None)
        self._term_frequencies(everything)

    def _term_frequencies(self, everything: ir.Table | None) -> None:
        """Register the model's term-frequency lookups with Splink.

        They are part of the model: counted over all records (as Splink counts them) when
        the model is trained or first used, saved next to it, and reused until it is
        retrained. Counted afresh on every run they would move a little with each batch
        of records, so a pair's score (and which side of the threshold it falls) would
        depend on unrelated records and on the order they arrived in, and an incremental
        run could not give a full run's links. A value counted after the model (a new
        name) gets no term-frequency adjustment. ``everything``: the records to count
        over (None: the matcher's own records)."""
        self.tf_tables: dict[str, pa.Table] = {}
        self._tf_inputs: dict[str, Any] = {}
        for col in TF_COLUMNS:
            path = tf_path(self.path, col)
            if self.trained or not path.exists():
                if everything is None and self._arrow is not None:
                    tab = term_frequency_arrow(self._arrow, col)
                else:
                    tab = self.engine.to_arrow(term_frequency_table(
                        self._records if everything is None else everything, col))
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(tab, path)
            else:
                tab = pq.read_table(path)
            self.tf_tables[col] = tab
            self._tf_inputs[col] = _backend.register(self.db_api, self.engine, tab,
                                                     f"idic_tf_{col}_{self.uid}")
            self.linker.table_management.register_term_frequency_lookup(
                self._tf_inputs[col], col)

    def predict(self, threshold: float = DEFAULT_THRESHOLD) -> pa.Table:
        """Scored candidate pairs at or above ``threshold``: rid_l, rid_r, weight, probability."""
        if self.n_records < 2:
            return empty_links()
        if self._arrow is not None and self.settings_dict.get("unique_id_column_name") == "rid":
            return self._predict_by_number(threshold)
        pred = self.linker.inference.predict(threshold_match_probability=threshold,
                                             warning_mode="never")
        return _links(_backend.to_arrow(pred))

    def _predict_by_number(self, threshold: float) -> pa.Table:
        """:meth:`predict` with each record numbered in ``rid`` order (DuckDB).

        The same model, blocking rules, term frequencies and candidate pairs, hence the
        same scores; but Splink's blocking joins, its ``l.rid < r.rid`` de-duplication and
        its joins of every candidate pair back to both records compare 8-byte integers
        instead of ``source:id`` strings (measured ~12% of prediction at 200k records).
        Numbers are given in ``rid`` (binary string) order, so each pair comes out with
        the same left and right record as by ``rid``. Training keeps ``rid``: Splink's
        samplers hash the record id."""
        data = self._arrow
        data = data.take(pc.sort_indices(data, sort_keys=[("rid", "ascending")]))
        rid = data["rid"]
        numbered = data.drop_columns(["rid"]).append_column(
            "rid", pa.array(range(data.num_rows), pa.int64()))
        inp = self.db_api.register(numbered,
                                   table_name=f"idic_numbered_{uuid.uuid4().hex[:8]}")
        settings = fast_levels(self.settings_dict)
        # only the match probability is kept (a pair's levels are recomputed when it is
        # explained), so Splink need not carry every compared value and level along
        settings["retain_intermediate_calculation_columns"] = False
        settings["retain_matching_columns"] = False
        linker = Linker(inp, settings, log_level=None)
        for col, tf in self._tf_inputs.items():
            linker.table_management.register_term_frequency_lookup(tf, col)
        pred = _backend.to_arrow(linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"))
        return _links(pred.set_column(pred.schema.get_field_index("rid_l"), "rid_l",
                                      rid.take(pred["rid_l"]))
                      .set_column(pred.schema.get_field_index("rid_r"), "rid_r",
                                  rid.take(pred["rid_r"])))

    def predict_changed(self, changed: ir.Table, rest: ir.Table,
                        threshold: float = DEFAULT_THRESHOLD) -> pa.Table:
        """Incremental scoring: pairs among the ``changed`` records and between them and the
        ``rest`` (same blocking rules and term frequencies as a full run). Splink's
        blocking joins find the few records of ``rest`` a changed record pairs with
        (filtering ``rest`` in the engine first by the same keys was measured slower: on
        the demo data the rules reach 70% of the records)."""
        n_changed = int(changed.count().execute())
        if n_changed == 0:
            return empty_links()
        n_rest = int(rest.count().execute())
        inf = self.linker.inference
        new = _backend.register(self.db_api, self.engine, match_input(changed),
                                f"idic_changed_{self.uid}")
        parts = []
        if n_changed >= 2:
            parts.append(inf.predict_within(new, threshold_match_probability=threshold,
                                            warning_mode="never"))
        if n_rest:
            old = _backend.register(self.db_api, self.engine, match_input(rest),
                                    f"idic_rest_{self.uid}")
            parts.append(inf.predict_between(new, old, threshold_match_probability=threshold,
                                             warning_mode="never"))
        tables = [_links(_backend.to_arrow(x)) for x in parts]
        return _ordered(pa.concat_tables(tables)) if tables else empty_links()

    def term_frequencies(self, values: dict[str, list[str]]) -> dict[str, dict]:
        """The model's term frequency of each of ``values`` per column (explanations)."""
        out: dict[str, dict] = {}
        for col, wanted in values.items():
            t = self.tf_tables[col]
            t = t.filter(pc.is_in(t[col], value_set=pa.array(wanted, pa.string())))
            out[col] = dict(zip(t[col].to_pylist(), t[f"tf_{col}"].to_pylist(), strict=True))
        return out

    def score_pair(self, left: dict[str, Any], right: dict[str, Any],
                   tf: dict[str, dict[str, float]] | None = None) -> dict[str, Any]:
        """Full comparison record (levels, match weights) of two prepared records;
        ``tf`` gives the term frequency of their name values in the whole data."""
        cols = ["rid", *MATCH_COLUMNS]
        recs = []
        for r in (left, right):
            d = {c: r.get(c) for c in cols}
            for c in TF_COLUMNS:
                d[f"tf_{c}"] = (tf or {}).get(c, {}).get(r.get(c)) if r.get(c) else None
            recs.append(d)
        res = self.linker.inference.score_pair(recs[0], recs[1])
        return _backend.to_arrow(res).to_pylist()[0]

    def settings(self) -> dict[str, Any]:
        return self.linker._settings_obj.as_dict()


def term_frequency_table(records: ir.Table, col: str) -> ir.Table:
    """Splink's term-frequency lookup of ``col`` (``col``, ``tf_<col>``: share of the
    non-null values), counted in the engine as Splink's ``term_frequencies`` SQL does."""
    t = records.filter(records[col].notnull())
    counts = t.group_by(col).agg(_n=t.count())
    total = records[col].count().as_scalar()
    return counts.select(col, **{f"tf_{col}": counts._n.cast("float64") / total})


_LEV = re.compile(r'levenshtein\(("?\w+"?), ("?\w+"?)\) <= (\d+)')
_TWO = re.compile(r"^\((.*)\) AND \((.*)\)$")


def _balanced(sql: str) -> bool:
    depth = 0
    for ch in sql:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def fast_levels(settings: dict[str, Any]) -> dict[str, Any]:
    """The same model with each level's SQL made cheaper for DuckDB, giving the same levels.

    Comparing a candidate pair evaluates each comparison's levels in order until one holds,
    and the Levenshtein distances were 70% of prediction (3.8 million pairs at 200k
    records). Two rewrites that cannot change a level's value:

    - ``levenshtein(a, b) <= k`` is preceded by ``abs(strlen(a) - strlen(b)) <= k``:
      DuckDB's ``levenshtein`` counts byte edits and each edit changes the length in bytes
      by at most one, so the distance is never below the difference of the byte lengths;
      most pairs of different names or addresses fail this test, which costs nothing;
    - in a level ``(A) AND (B)`` whose first part computes a distance and the second does
      not, the parts are swapped (``AND`` is commutative, also with NULL), so the distance
      is computed only where the equality holds.

    Only for DuckDB (Spark's ``levenshtein`` counts characters); the model file keeps
    Splink's own SQL. Tested: equal levels on random and Unicode text, equal links."""
    out = copy.deepcopy(settings)
    for comp in out.get("comparisons", []):
        for lv in comp.get("comparison_levels", []):
            cond = lv.get("sql_condition", "")
            m = _TWO.match(cond)
            if (m and _balanced(m[1]) and _balanced(m[2]) and "levenshtein" in m[1]
                    and "levenshtein" not in m[2]):
                cond = f"({m[2]}) AND ({m[1]})"
            lv["sql_condition"] = _LEV.sub(
                lambda g: (f"(abs(strlen({g[1]}) - strlen({g[2]})) <= {g[3]} "
                           f"AND levenshtein({g[1]}, {g[2]}) <= {g[3]})"), cond)
    return out


def _with_sql_of(model: dict[str, Any], plain: dict[str, Any]) -> dict[str, Any]:
    """``model`` with each level's SQL put back to ``plain``'s (undoes :func:`fast_levels`)."""
    sql = {(c["output_column_name"], i): lv["sql_condition"]
           for c in plain["comparisons"] for i, lv in enumerate(c["comparison_levels"])}
    for c in model.get("comparisons", []):
        for i, lv in enumerate(c["comparison_levels"]):
            lv["sql_condition"] = sql.get((c["output_column_name"], i), lv["sql_condition"])
    return model


def term_frequency_arrow(records: pa.Table, col: str) -> pa.Table:
    """:func:`term_frequency_table` of an Arrow table (the same counts and the same
    float64 division, so the same values)."""
    vc = pc.value_counts(records[col].drop_null())
    total = pc.count(records[col]).as_py()
    values = vc.field("values") if len(vc) else pa.array([], records.schema.field(col).type)
    counts = vc.field("counts") if len(vc) else pa.array([], pa.int64())
    return pa.table({col: values,
                     f"tf_{col}": pc.divide(counts.cast(pa.float64()),
                                            pa.scalar(float(max(total, 1)), pa.float64()))})


def _links(t: pa.Table) -> pa.Table:
    return pa.table({
        "rid_l": t["rid_l"].cast(pa.string()),
        "rid_r": t["rid_r"].cast(pa.string()),
        "match_weight": t["match_weight"].cast(pa.float64()),
        "match_probability": t["match_probability"].cast(pa.float64()),
    })


def _ordered(t: pa.Table) -> pa.Table:
    """Each pair as a full run's dedupe gives it: ``rid_l`` < ``rid_r``."""
    swap = pc.greater(t["rid_l"], t["rid_r"])
    return t.set_column(0, "rid_l", pc.if_else(swap, t["rid_r"], t["rid_l"])).set_column(
        1, "rid_r", pc.if_else(swap, t["rid_l"], t["rid_r"]))


def empty_links() -> pa.Table:
    return pa.table({"rid_l": pa.array([], pa.string()), "rid_r": pa.array([], pa.string()),
                     "match_weight": pa.array([], pa.float64()),
                     "match_probability": pa.array([], pa.float64())})

"""Reference runs on FEBRL 1-4: idic's identify and plain Splink as in Splink's examples.

The baseline idic's accuracy is measured against is Splink configured as in its own FEBRL
example notebooks (``docs/demos/examples/duckdb/febrl3.ipynb`` for the dedupe data sets
FEBRL1, 2 and 3, ``febrl4.ipynb``'s "detailed model" for linking dataset4a to dataset4b):
the same input preparation (trimmed text, birth date and national id as text), blocking
rules, comparisons, prior from deterministic rules, u by random sampling, m and u by EM on
the birth-date and postcode blocks, prediction at 0.2 and clustering at 0.99 (the
notebooks' thresholds). Without the national id (``national_id=False``) the
``soc_sec_id`` blocking rule, comparison and deterministic rule are left out, nothing else.

Both sides are scored with :func:`idic.identify.quality.evaluate_tables` against the
FEBRL ground truth (``rec-<entity>-...``): pairwise precision / recall / F1 and the share
of true entities reproduced exactly. Used by ``benchmarks/bench_febrl.py`` and the tests.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from idic.datasets.febrl import DATASETS, febrl_dir, load_febrl, truth
from idic.identify.quality import evaluate_tables

FEBRL = tuple(DATASETS)  # febrl1, febrl2, febrl3, febrl4 (dataset4a linked to dataset4b)
PREDICT_THRESHOLD = 0.2  # the notebooks' prediction threshold
CLUSTER_THRESHOLD = 0.99  # the notebooks' clustering threshold (febrl4.ipynb)
RAW_COLUMNS = ("rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
               "suburb", "postcode", "state", "date_of_birth", "soc_sec_id")


def _sources(name: str) -> list[tuple[str, str]]:
    """(source name, file) of a FEBRL data set, with the sources :func:`load_febrl` uses."""
    files = DATASETS[name]
    if len(files) == 1:
        return [(name, files[0])]
    return [(name + f[len("dataset4"):-len(".csv")], f) for f in files]


def raw_febrl(name: str) -> dict[str, pa.Table]:
    """The FEBRL file(s) as the notebooks prepare them: column names and values trimmed,
    every column text (``date_of_birth``, ``soc_sec_id``, ``postcode`` too), empty -> null;
    one table per source."""
    out = {}
    for source, file in _sources(name):
        df = pd.read_csv(febrl_dir() / file, dtype=str, keep_default_na=False,
                         skipinitialspace=True)
        df.columns = [c.strip() for c in df.columns]
        df = df[list(RAW_COLUMNS)].apply(lambda s: s.str.strip()).replace("", None)
        out[source] = pa.Table.from_pandas(df, preserve_index=False).cast(
            pa.schema([(c, pa.string()) for c in RAW_COLUMNS]))
    return out


def splink_settings(name: str, national_id: bool = True) -> tuple[Any, list[Any], float]:
    """(settings, deterministic rules for the prior, their recall) of the notebook for
    ``name``: ``febrl4.ipynb``'s detailed model for febrl4, ``febrl3.ipynb`` otherwise."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    ssn = "soc_sec_id"
    keep = (lambda x: [x]) if national_id else (lambda x: [])  # the national id's parts
    if name == "febrl4":
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            *keep(block_on(ssn)),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            *keep(cl.DamerauLevenshteinAtThresholds(ssn, [1, 2])),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ]
        deterministic = [*keep(block_on(ssn)),
                         block_on("given_name", "surname", "date_of_birth")]
        recall, link_type = 0.8, "link_only"
    else:
        blocking = [*keep(block_on(ssn)), block_on("given_name"), block_on("surname"),
                    block_on("date_of_birth"), block_on("postcode")]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            *keep(cl.DamerauLevenshteinAtThresholds(ssn, [2])),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [
            *keep(block_on(ssn)),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth",
        ]
        recall, link_type = 0.9, "dedupe_only"
    settings = SettingsCreator(
        unique_id_column_name="rec_id", link_type=link_type,
        blocking_rules_to_generate_predictions=blocking, comparisons=comparisons,
        retain_intermediate_calculation_columns=True)
    return settings, deterministic, recall


def plain_splink(name: str, national_id: bool = True) -> dict[str, Any]:
    """Plain Splink on FEBRL ``name`` as in its example notebook; returns the scores
    (:func:`~idic.identify.quality.evaluate_tables`), ``seconds`` (register, train,
    predict, cluster) and ``clusters``."""
    from splink import DuckDBAPI, Linker, block_on

    tables = raw_febrl(name)
    t0 = time.perf_counter()
    settings, deterministic, recall = splink_settings(name, national_id)
    db = DuckDBAPI(":memory:")
    sdfs = [db.register(t.drop(["soc_sec_id"]) if not national_id else t, table_name=s)
            for s, t in tables.items()]
    linker = Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=None)
    tr = linker.training
    tr.estimate_probability_two_random_records_match(deterministic, recall=recall)
    if name == "febrl4":
        tr.estimate_u_using_random_sampling(max_pairs=1e6)
        for col in ("date_of_birth", "postcode"):
            tr.estimate_parameters_using_expectation_maximisation(
                block_on(col), estimate_without_term_frequencies=True)
    else:
        tr.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
        for col in ("date_of_birth", "postcode"):
            tr.estimate_parameters_using_expectation_maximisation(block_on(col))
    pred = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=CLUSTER_THRESHOLD)
    got = clusters.as_pyarrow_table()
    seconds = time.perf_counter() - t0
    # rec_id is unique over both FEBRL4 files (``-org`` in a, ``-dup-`` in b)
    source_of = {r: s for s, t in tables.items() for r in t["rec_id"].to_pylist()}
    rec = got["rec_id"].to_pylist()
    id_map = pa.table({"source": [source_of[r] for r in rec], "source_record_id": rec,
                       "customer_id": got["cluster_id"].cast(pa.string())})
    out = evaluate_tables(id_map, truth(load_febrl(name)))
    return {**out, "seconds": round(seconds, 3), "clusters": len(set(got["cluster_id"]))}


def idic_identify(name: str, national_id: bool = True, *, engine: str | None = None,
                  workdir: Path | None = None, **run_kwargs: Any) -> dict[str, Any]:
    """idic's identify (a fresh workspace, default settings, model trained on the data) on
    FEBRL ``name``; the national id, when kept, is a strong identifier (``account_id``).
    Returns the scores, ``seconds`` (loading the records and the whole identify stage) and
    ``customers``."""
    from idic.identify.stage import run
    from idic.workspace import Workspace

    t = load_febrl(name, ssn_as="account_id" if national_id else None)
    with tempfile.TemporaryDirectory(prefix="idic-febrl-", dir=workdir) as tmp:
        ws = Workspace.init(Path(tmp) / "ws", engine=engine)
        try:
            t0 = time.perf_counter()
            ws.engine.append("identities", t.drop(["entity_id"]))
            summary = run(ws, **run_kwargs)
            seconds = time.perf_counter() - t0
            id_map = ws.engine.to_arrow(ws.table("identity_map"))
        finally:
            ws.close()
    out = evaluate_tables(id_map, truth(t))
    return {**out, "seconds": round(seconds, 3), "customers": summary["customers"]}

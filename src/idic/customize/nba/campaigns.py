"""Per-customer uplift for next best action, learnt from a randomised campaign.

A campaign registered for an action (``workspace.json``: ``nba.campaigns.<action>``, or
``idic nba campaign ACTION FILE ...``) is a file with one row per unit: the arm (treated or
the control holdout), the outcome (0/1 or a number) and the customer it reached
(``customer_id``, or ``source`` + ``source_customer_id`` resolved through ``identity_map``).
From it:

* the **measured average** uplift: treated minus control mean, Welch's t interval
  (:func:`idic.customize.experiments.stats.compare`);
* an **uplift model** (:class:`~idic.customize.experiments.uplift.TwoModel`, the two-model
  or T-learner approach, or :class:`~idic.customize.experiments.uplift.ClassTransformation`,
  Jaskowski & Jaroszewicz 2012) on the configured features: columns of the file (the list
  the campaign was drawn from: segment, value tier, ...) or of the customer profile. String
  features are one-hot encoded, numbers standardised, missing values are a level/the mean.

Each customer of the campaign gets the uplift predicted for them **out of fold** (five-fold
cross-fitting: the model that scores a unit never saw it, Chernozhukov et al. 2018), the
other customers the prediction of the model fit on every unit when all their features are
on their profile, else nothing (the stage then uses the measured average). The predictions
are written to the table ``nba_uplift`` (``customer_id, action, uplift, campaign``).

Peppers & Rogers ch. 12-13: judge a treatment by what it changes in customer value against
a control group; different customers respond differently, which is why the choice uses each
customer's uplift rather than one number per action.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

UPLIFT_TABLE = "nba_uplift"
UPLIFT_SCHEMA = pa.schema([("customer_id", pa.string()), ("action", pa.string()),
                           ("uplift", pa.float64()), ("campaign", pa.string())])
METHODS = ("two-model", "class-transformation")
FOLDS = 5
KEYS = ("source", "source_customer_id")


@dataclass(frozen=True)
class Campaign:
    """What a campaign file holds (``nba.campaigns.<action>`` in ``workspace.json``)."""

    action: str
    file: str  # relative to the workspace folder, or absolute
    variant_col: str
    control: str
    outcome_col: str
    features: tuple[str, ...] = ()
    method: str = "two-model"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "variant_col": self.variant_col, "control": self.control,
                "outcome_col": self.outcome_col, "features": list(self.features),
                "method": self.method}


@dataclass
class CampaignFit:
    campaign: Campaign
    units: int
    treated: int
    matched: int  # units whose customer was found in the workspace
    average: float
    ci: tuple[float, float]
    p_value: float
    predictions: pd.DataFrame = field(repr=False)  # customer_id, uplift
    by_level: dict[str, dict[str, float]] = field(default_factory=dict)
    qini_auc: float | None = None  # of the out-of-fold predictions on the units
    c: float | None = None  # the L2 strength chosen (scikit-learn's C)
    loss_model: float | None = None  # out-of-fold transformed-outcome MSE of the model
    loss_average: float | None = None  # ... of the fold-wise average (one number)

    @property
    def better(self) -> bool:
        """Whether the model beat one number (the average) on held-out units."""
        return (self.loss_model is not None and self.loss_average is not None
                and self.loss_model < self.loss_average)

    @property
    def used(self) -> bool:
        """Whether per-customer uplifts are used: the model beat the average and scored
        some of the workspace's customers."""
        return self.better and len(self.predictions) > 0

    @property
    def name(self) -> str:
        return Path(self.campaign.file).name

    def average_note(self) -> str:
        return (f"campaign {self.name}, treated minus control "
                f"{self.average:+.3f}, CI [{self.ci[0]:.3f}, {self.ci[1]:.3f}], "
                f"{self.units:,} units")

    def model_note(self) -> str:
        feats = ", ".join(self.campaign.features)
        return (f"{self.campaign.method} uplift model on campaign {self.name} "
                f"({feats}; {self.units:,} units)")

    def summary(self) -> dict[str, Any]:
        return {"action": self.campaign.action, "campaign": self.name,
                "method": self.campaign.method, "features": list(self.campaign.features),
                "units": self.units, "treated": self.treated, "matched": self.matched,
                "average": {"uplift": self.average, "ci": list(self.ci),
                            "p_value": self.p_value},
                "customers_scored": len(self.predictions), "qini_auc": self.qini_auc,
                "model_used": self.used, "l2_c": self.c,
                "out_of_fold_loss": {"model": self.loss_model, "average": self.loss_average},
                "by_level": self.by_level}


def configured(ws: Workspace) -> dict[str, Campaign]:
    """The campaigns of ``workspace.json`` (``nba.campaigns``), checked."""
    from idic.customize.nba.priors import CONTACT_ACTIONS

    cfg = ((ws.settings or {}).get("nba", {}) or {}).get("campaigns", {}) or {}
    if not isinstance(cfg, dict):
        raise InputError("nba.campaigns must be an object: {action: {file, ...}}")
    out = {}
    for action, c in cfg.items():
        out[action] = campaign_of(action, c, CONTACT_ACTIONS)
    return out


def campaign_of(action: str, c: Any, actions: tuple[str, ...]) -> Campaign:
    if action not in actions:
        raise InputError(f"nba.campaigns: unknown action {action!r}", hint=", ".join(actions))
    if not isinstance(c, dict):
        raise InputError(f"nba.campaigns.{action} must be an object")
    need = ("file", "variant_col", "control", "outcome_col")
    missing = [k for k in need if not isinstance(c.get(k), str) or not c.get(k)]
    if missing:
        raise InputError(f"nba.campaigns.{action}: missing {', '.join(missing)}")
    feats = c.get("features") or []
    if isinstance(feats, str):
        feats = [f.strip() for f in feats.split(",") if f.strip()]
    if not isinstance(feats, list) or not all(isinstance(f, str) and f for f in feats):
        raise InputError(f"nba.campaigns.{action}.features must be a list of column names")
    method = c.get("method", "two-model")
    if method not in METHODS:
        raise InputError(f"nba.campaigns.{action}.method {method!r} is unknown",
                         hint=", ".join(METHODS))
    return Campaign(action, c["file"], c["variant_col"], c["control"], c["outcome_col"],
                    tuple(dict.fromkeys(feats)), method)


def _path(ws: Workspace, c: Campaign) -> Path:
    p = Path(c.file)
    return p if p.is_absolute() else Path(ws.path) / p


def read_units(ws: Workspace, c: Campaign) -> pd.DataFrame:
    """The campaign's units: ``customer_id`` (None where unknown), ``t`` (1 treated),
    ``y``, and the feature columns the file has (as text)."""
    from idic.customize.experiments.loading import check_columns, open_results, read_columns

    path = _path(ws, c)
    if not path.exists():
        raise InputError(f"nba campaign for {c.action}: {path} does not exist")
    eng, t = open_results(path)
    try:
        src = str(path)
        check_columns(t, src, [c.variant_col, c.outcome_col])
        y = read_columns(eng, t, [c.outcome_col], source=src)[c.outcome_col]
        keys = ["customer_id"] if "customer_id" in t.columns else (
            list(KEYS) if all(k in t.columns for k in KEYS) else [])
        feats = [f for f in c.features if f in t.columns]
        df = eng.to_pandas(t.select(*[t[k].cast("string").name(k)
                                      for k in dict.fromkeys([c.variant_col, *keys, *feats])]))
    finally:
        eng.close()
    arm = df[c.variant_col].astype("string").str.strip()
    if arm.isna().any():
        raise InputError(f"{src}: {int(arm.isna().sum())} units have no {c.variant_col!r}")
    if not (arm == c.control).any():
        raise InputError(f"{src}: no unit in the control arm {c.control!r}",
                         hint="arms: " + ", ".join(sorted(set(arm.dropna()))[:10]))
    out = pd.DataFrame({"t": (arm != c.control).astype(float).to_numpy(), "y": y})
    if out.t.sum() == 0:
        raise InputError(f"{src}: every unit is in the control arm {c.control!r}")
    for f in feats:
        out[f] = df[f].to_numpy()
    out["customer_id"] = _customer_ids(ws, df, keys)
    return out


def _customer_ids(ws: Workspace, df: pd.DataFrame, keys: list[str]) -> np.ndarray:
    if not keys:
        return np.full(len(df), None, dtype=object)
    if keys == ["customer_id"]:
        return df["customer_id"].to_numpy(dtype=object)
    if not ws.engine.has_table("identity_map"):
        return np.full(len(df), None, dtype=object)
    m = ws.table("identity_map")
    mp = ws.engine.to_pandas(m.select("source", "source_record_id", "customer_id"))
    idx = pd.MultiIndex.from_frame(mp[["source", "source_record_id"]])
    s = pd.Series(mp.customer_id.to_numpy(), index=idx)
    s = s[~s.index.duplicated()]
    look = pd.MultiIndex.from_arrays([df["source"], df["source_customer_id"]])
    return s.reindex(look).to_numpy(dtype=object)


class Encoder:
    """Features to a numeric matrix: text one-hot (levels of the training data; an unseen
    level is all zeros, missing is its own level), numbers standardised (missing: mean)."""

    def fit(self, df: pd.DataFrame, cols: list[str]) -> Encoder:
        self.cols_ = cols
        self.kind_: dict[str, Any] = {}
        for c in cols:
            x = pd.to_numeric(df[c], errors="coerce")
            if x.notna().all() and len(x):
                mu, sd = float(x.mean()), float(x.std() or 1.0)
                self.kind_[c] = ("num", mu, sd if math.isfinite(sd) and sd > 0 else 1.0)
            else:
                levels = sorted(df[c].fillna("(missing)").astype(str).unique().tolist())
                self.kind_[c] = ("cat", levels)
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        parts = []
        for c in self.cols_:
            k = self.kind_[c]
            if k[0] == "num":
                x = pd.to_numeric(df[c], errors="coerce").fillna(k[1]).to_numpy(float)
                parts.append(((x - k[1]) / k[2])[:, None])
            else:
                v = df[c].fillna("(missing)").astype(str).to_numpy()
                parts.append(np.column_stack([(v == lev).astype(float) for lev in k[1]]))
        return np.hstack(parts) if parts else np.zeros((len(df), 0))


#: L2 strengths tried (inverse: scikit-learn's ``C``); the smallest shrinks to the average
GRID = (0.01, 0.1, 1.0, 10.0)


def _model(method: str, c: float = 1.0) -> Any:
    from sklearn.linear_model import LogisticRegression

    from idic.customize.experiments.uplift import ClassTransformation, TwoModel

    # Newton-Cholesky: exact Newton steps, fast for many units and few features (25x
    # faster than the default L-BFGS on the demo's 7 one-hot columns, same optimum)
    est = LogisticRegression(C=c, solver="newton-cholesky", max_iter=1000)
    return TwoModel(est) if method == "two-model" else ClassTransformation(est)


def transformed_outcome(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """z = y (t/p - (1 - t)/(1 - p)): E[z | x] is the uplift at x in a randomised test
    (Athey & Imbens 2016, "transformed outcome"), so the squared error of a prediction
    against z ranks uplift models on held-out units."""
    p = float(t.mean())
    return y * (t / p - (1 - t) / (1 - p))


def fittable(method: str, y: np.ndarray, t: np.ndarray) -> bool:
    """Whether the classifiers can be fitted: both outcomes among the treated and among the
    controls (two-model), or both transformed classes (class transformation). A small
    campaign where nobody in an arm responded has nothing to learn from."""
    if method == "two-model":
        return all(np.unique(y[t == a]).size >= 2 for a in (0, 1))
    z = (y == t).astype(float)
    return np.unique(z).size >= 2


def _out_of_fold(method: str, c: float, x: np.ndarray, y: np.ndarray, t: np.ndarray,
                 folds: np.ndarray) -> np.ndarray:
    oof = np.full(len(y), np.nan)
    for k in range(FOLDS):
        tr = folds != k
        if t[tr].all() or not t[tr].any() or (~tr).sum() == 0 \
                or not fittable(method, y[tr], t[tr]):
            continue
        oof[~tr] = _model(method, c).fit(x[tr], y[tr], t[tr]).predict(x[~tr])
    return oof


def _fold_average(y: np.ndarray, t: np.ndarray, folds: np.ndarray) -> np.ndarray:
    out = np.full(len(y), np.nan)
    for k in range(FOLDS):
        tr = folds != k
        if t[tr].all() or not t[tr].any():
            continue
        out[~tr] = y[tr & (t == 1)].mean() - y[tr & (t == 0)].mean()
    return out


def _average(units: pd.DataFrame) -> tuple[float, tuple[float, float], float]:
    from idic.customize.experiments.stats import ArmStats, compare

    def arm(d: pd.DataFrame) -> ArmStats:
        y = d.y.to_numpy(float)
        return ArmStats(len(y), float(y.sum()), float((y * y).sum()),
                        binary=bool(np.isin(y, (0.0, 1.0)).all()))

    a, _rel, _ = compare(arm(units[units.t == 0]), arm(units[units.t == 1]))
    return a.effect, (a.ci[0], a.ci[1]), a.p_value


def fit(ws: Workspace, c: Campaign, *, seed: int = 0) -> CampaignFit:
    """Fit the campaign's uplift model and score the workspace's customers."""
    from idic.customize.experiments.uplift import qini_auc_score

    units = read_units(ws, c)
    average, ci, p = _average(units)
    prof = _profile(ws, [f for f in c.features if f not in units.columns])
    missing = [f for f in c.features if f not in units.columns and f not in prof.columns]
    if missing:
        raise InputError(f"nba campaign for {c.action}: feature(s) {', '.join(missing)} are "
                         "neither columns of the file nor of the customer profile")
    from_prof = [f for f in c.features if f not in units.columns]
    if from_prof:
        units = units.merge(prof[["customer_id", *from_prof]], on="customer_id", how="left")
    base = pd.DataFrame({"customer_id": pd.Series(dtype=object),
                         "uplift": pd.Series(dtype=float)})
    fitres = CampaignFit(c, len(units), int(units.t.sum()), int(units.customer_id.notna().sum()),
                         average, ci, p, base)
    if not c.features:
        return fitres
    feats = list(c.features)
    enc = Encoder().fit(units, feats)
    x, y, t = enc.transform(units), units.y.to_numpy(float), units.t.to_numpy(float)
    if not fittable(c.method, y, t):  # e.g. nobody in one arm responded: the average only
        return fitres
    folds = np.random.default_rng(seed).permutation(len(units)) % FOLDS
    z = transformed_outcome(y, t)
    const = _fold_average(y, t, folds)
    fitres.loss_average = float(np.nanmean((z - const) ** 2))
    best: tuple[float, float, np.ndarray] | None = None
    for strength in GRID:
        oof = _out_of_fold(c.method, strength, x, y, t, folds)
        if not np.isfinite(oof).any():  # no fold could be fitted
            continue
        loss = float(np.nanmean((z - oof) ** 2))
        if best is None or loss < best[0]:
            best = (loss, strength, oof)
    if best is None:
        return fitres
    fitres.loss_model, fitres.c, oof = best
    if not fitres.better:  # the model does not beat one number
        return fitres
    full = _model(c.method, fitres.c).fit(x, y, t)
    ok = np.isfinite(oof)
    if ok.sum() > 1:
        fitres.qini_auc = float(qini_auc_score(y[ok], oof[ok], t[ok]))
    units = units.assign(uplift=np.where(ok, oof, full.predict(x)))
    fitres.by_level = {f: {str(k): float(v) for k, v in
                           units.groupby(units[f].fillna("(missing)").astype(str))
                           .uplift.mean().items()} for f in feats
                       if enc.kind_[f][0] == "cat"}
    scored = units.dropna(subset=["customer_id"]).drop_duplicates("customer_id")[
        ["customer_id", "uplift"]]
    if not from_prof or len(feats) != len(from_prof):  # a file-only feature: units only
        fitres.predictions = scored.reset_index(drop=True)
        return fitres
    rest = prof[~prof.customer_id.isin(scored.customer_id)]
    rest = rest.assign(uplift=full.predict(enc.transform(rest)) if len(rest) else [])
    fitres.predictions = pd.concat([scored, rest[["customer_id", "uplift"]]],
                                   ignore_index=True)
    return fitres


def _profile(ws: Workspace, cols: list[str]) -> pd.DataFrame:
    from idic.customize.profile import PROFILE_TABLE

    if not cols or not ws.engine.has_table(PROFILE_TABLE):
        return pd.DataFrame({"customer_id": pd.Series(dtype=object)})
    t = ws.table(PROFILE_TABLE)
    have = [c for c in cols if c in t.columns]
    return ws.engine.to_pandas(t.select("customer_id", *have))


def fit_all(ws: Workspace) -> dict[str, CampaignFit]:
    """Fit every configured campaign; write ``nba_uplift`` (empty without campaigns)."""
    fits = {a: fit(ws, c) for a, c in configured(ws).items()}
    rows = [pa.table({"customer_id": pa.array(f.predictions.customer_id.astype(str).tolist(),
                                              pa.string()),
                      "action": pa.array([a] * len(f.predictions), pa.string()),
                      "uplift": pa.array(f.predictions.uplift.to_numpy(float), pa.float64()),
                      "campaign": pa.array([f.name] * len(f.predictions), pa.string())},
                     schema=UPLIFT_SCHEMA) for a, f in fits.items()]
    table = pa.concat_tables(rows) if rows else UPLIFT_SCHEMA.empty_table()
    ws.engine.create_table(UPLIFT_TABLE, table)
    return fits


def register(ws: Workspace, c: Campaign) -> None:
    """Save the campaign in ``workspace.json`` (``nba.campaigns.<action>``)."""
    import json

    from idic.workspace import SETTINGS_FILE

    nba = ws.settings.setdefault("nba", {})
    nba.setdefault("campaigns", {})[c.action] = c.as_dict()
    (Path(ws.path) / SETTINGS_FILE).write_text(json.dumps(ws.settings, indent=2))

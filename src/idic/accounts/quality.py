"""How close the account links come to a generated demo's ground truth
(``truth/account_contacts.parquet``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def linked_pairs(ws, record_person: pd.DataFrame) -> set[tuple[str, str]]:
    """(person, account) pairs the workspace's ``account_contacts`` imply: every true person
    with a record in a linked customer. ``record_person``: ``source, source_record_id,
    person_id``."""
    links = ws.to_pandas(ws.table("account_contacts").select("customer_id", "account_id"))
    m = ws.to_pandas(ws.table("identity_map").select("source", "source_record_id",
                                                     "customer_id"))
    m = m.merge(record_person, on=["source", "source_record_id"])
    got = links.merge(m, on="customer_id")
    return set(zip(got["person_id"].astype(str), got["account_id"].astype(str), strict=True))


def membership_vs_truth(ws, data_dir: Path | str) -> dict[str, Any]:
    """Membership against the truth. Person level: precision and recall of (person,
    account) pairs (a customer identify merged from two persons brings both); record level:
    true contact records whose customer is linked to their account, and linked customers
    holding no true contact record. Also: persons wrongly linked to an account whose domain
    is a free-mail one."""
    data_dir = Path(data_dir)
    truth = pd.read_parquet(data_dir / "truth" / "account_contacts.parquet")
    accounts = pd.read_parquet(data_dir / "truth" / "accounts.parquet")
    ids = pd.read_parquet(data_dir / "truth" / "identity_truth.parquet")
    rp = pd.concat([ids[["source", "source_record_id", "person_id"]],
                    truth[["source", "source_record_id", "person_id"]]]).drop_duplicates()
    rp["person_id"] = rp["person_id"].astype(str)
    got = linked_pairs(ws, rp)
    want = set(zip(truth["person_id"].astype(str), truth["account_id"].astype(str),
                   strict=True))
    hit = len(got & want)
    # record level: is each true contact's record linked, to its account, and nobody else?
    links = ws.to_pandas(ws.table("account_contacts").select("customer_id", "account_id"))
    m = ws.to_pandas(ws.table("identity_map").select("source", "source_record_id",
                                                     "customer_id"))
    rec = truth.merge(m, on=["source", "source_record_id"], how="left")
    rec_got = dict(zip(links["customer_id"], links["account_id"], strict=True))
    records_right = sum(rec_got.get(c) == a for c, a in zip(rec["customer_id"],
                                                            rec["account_id"], strict=True))
    free = set(accounts.loc[accounts["free_mail_domain"], "account_id"].astype(str))
    return {
        "true_contacts": len(want), "linked": len(got), "correct": hit,
        "precision": hit / len(got) if got else 1.0,
        "recall": hit / len(want) if want else 1.0,
        "exact": got == want,
        "records_linked_right": int(records_right),
        "customers_linked_outside_truth": len(set(rec_got) - set(rec["customer_id"])),
        "wrong_free_mail_links": sum(1 for p in got - want if p[1] in free),
    }

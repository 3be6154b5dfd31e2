"""The demo's B2B slice: companies whose employees buy from the retailer, with ground truth.

Made after every other file, from its own random stream (``rng_for(seed, 12)``), so the B2C
files and their truth are byte-for-byte what they were without it. Some web customers are
contacts of a company account; the link to their account is carried one of three ways:

- ``group``: a Segment ``group`` call from their web account (``b2b_groups.jsonl``);
- ``column``: a CRM contact record (``b2b_contacts.csv``, source ``crm``) naming the account
  in ``b2b_account_id``;
- ``domain``: a CRM contact record whose work e-mail is at the account's domain.

CRM records carry the person's web ``account_id`` and the web record's names, so identify
ties them to the person. **Trap**: about one account in eight is a sole trader whose CRM
domain is the consumer mail provider they use (``example.com`` ...: the demo's free-mail
domains); linking by that domain would make every customer of that provider a contact.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from idic.datasets.demo_util import AS_OF_S, START_S
from idic.datasets.demo_vocab import EMAIL_DOMAINS

FILES = {"accounts": "accounts.csv", "identities": "b2b_contacts.csv",
         "segment": "b2b_groups.jsonl"}
TRUTH = {"accounts": "truth/accounts.parquet",
         "account_contacts": "truth/account_contacts.parquet"}
LINKS = ("group", "column", "domain")
LINK_SHARES = (0.4, 0.3, 0.3)
PREFIXES = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Adventure", "Litware",
            "Proseware", "Alpine", "Coho", "Lucerne", "Trey", "Wide World", "Humongous",
            "Blue Yonder", "Graphic", "Woodgrove", "Southridge", "Fourth Coffee", "Margie")
SUFFIXES = ("Tools", "Logistics", "Design", "Foods", "Consulting", "Print", "Media", "Labs",
            "Supplies", "Interiors")
INDUSTRIES = ("wholesale", "hospitality", "education", "healthcare", "construction",
              "professional services", "retail", "manufacturing")
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
OWNERS = ("Priya Shah", "Tom Becker", "Chloé Martin", "Sam O'Neill", "Grace Okafor")
#: the demo world's consumer mail providers: never an employer's domain
FREE_MAIL = tuple(EMAIL_DOMAINS)


def _slug(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _local(first: str | None, last: str | None) -> str:
    parts = [re.sub(r"[^a-z]", "", _slug(x or "")) for x in (first, last)]
    return ".".join(p for p in parts if p) or "contact"


def make_b2b(rng: np.random.Generator, out: Path, n_customers: int) -> dict[str, Any]:
    """Write the B2B files and truth into ``out`` (after identities.csv and its truth)."""
    ids = pacsv.read_csv(out / "identities.csv", convert_options=pacsv.ConvertOptions(
        include_columns=["source", "source_record_id", "email", "account_id", "first_name",
                         "last_name"], column_types={"account_id": pa.string()}))
    truth = pq.read_table(out / "truth" / "identity_truth.parquet")
    web = {r["source_record_id"]: r for r in ids.to_pylist() if r["source"] == "web"}
    person = {r["source_record_id"]: r["person_id"] for r in truth.to_pylist()
              if r["source"] == "web"}
    pool = sorted(rid for rid, r in web.items() if r["account_id"] and r["first_name"])
    n_acc = max(3, n_customers // 1000)
    sizes = np.minimum(1 + rng.poisson(2.0, n_acc), 8)
    while sizes.sum() > len(pool) and sizes.max() > 0:
        sizes = np.maximum(sizes - 1, 0)
    combos = rng.permutation(len(PREFIXES) * len(SUFFIXES))
    sole = np.zeros(n_acc, bool)
    sole[rng.choice(n_acc, max(1, n_acc // 8), replace=False)] = True
    accounts = []
    for i in range(n_acc):
        c = int(combos[i % combos.size])
        name = f"{PREFIXES[c // len(SUFFIXES)]} {SUFFIXES[c % len(SUFFIXES)]}"
        if i >= combos.size:
            name += f" {i // combos.size + 1}"
        domain = FREE_MAIL[int(rng.integers(len(FREE_MAIL)))] if sole[i] else \
            f"{_slug(name)}.example"
        accounts.append({"account_id": f"ACC-{i + 1:04d}", "name": name, "domain": domain,
                         "industry": INDUSTRIES[int(rng.integers(len(INDUSTRIES)))],
                         "size": "1-10" if sole[i] else SIZES[int(rng.integers(len(SIZES)))],
                         "owner": OWNERS[int(rng.integers(len(OWNERS)))],
                         "free_mail_domain": bool(sole[i]), "n_contacts": int(sizes[i])})
    chosen = rng.choice(len(pool), int(sizes.sum()), replace=False)
    contacts, crm, groups = [], [], []
    k = 0
    for acc in accounts:
        used: set[str] = set()
        for _ in range(acc["n_contacts"]):
            rid = pool[int(chosen[k])]
            k += 1
            w = web[rid]
            how = str(rng.choice(["group", "column"] if acc["free_mail_domain"] else LINKS,
                                 p=[0.5, 0.5] if acc["free_mail_domain"] else LINK_SHARES))
            at = int(rng.integers(START_S, AS_OF_S))
            stamp = np.datetime64(at, "s").astype(str) + "Z"
            if how == "group":
                groups.append({"type": "group", "messageId": f"grp-{len(groups) + 1:06d}",
                               "userId": rid, "groupId": acc["account_id"], "timestamp": stamp,
                               "traits": {"name": acc["name"], "website": acc["domain"],
                                          "industry": acc["industry"],
                                          "employees": acc["size"], "owner": acc["owner"]}})
                src, rec = "web", rid
            else:
                if acc["free_mail_domain"]:
                    email = w["email"]  # a sole trader's own consumer address
                else:
                    local = _local(w["first_name"], w["last_name"])
                    n = 2
                    base = local
                    while local in used:
                        local, n = f"{base}{n}", n + 1
                    used.add(local)
                    email = f"{local}@{acc['domain']}"
                rec = f"CRM-{len(crm) + 1:06d}"
                crm.append({"source": "crm", "source_record_id": rec, "email": email,
                            "account_id": w["account_id"], "first_name": w["first_name"],
                            "last_name": w["last_name"],
                            "b2b_account_id": acc["account_id"] if how == "column" else None,
                            "last_seen": stamp})
                src = "crm"
            contacts.append({"person_id": person[rid], "account_id": acc["account_id"],
                             "linked_by": how, "source": src, "source_record_id": rec})
    acc_cols = ["account_id", "name", "domain", "industry", "size", "owner"]
    pacsv.write_csv(pa.Table.from_pylist([{c: a[c] for c in acc_cols} for a in accounts]),
                    out / FILES["accounts"])
    crm_schema = pa.schema([(c, pa.string()) for c in (
        "source", "source_record_id", "email", "account_id", "first_name", "last_name",
        "b2b_account_id", "last_seen")])
    pacsv.write_csv(pa.Table.from_pylist(crm, schema=crm_schema), out / FILES["identities"],
                    pacsv.WriteOptions(quoting_style="needed"))
    (out / FILES["segment"]).write_text(
        "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in groups), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(accounts), out / TRUTH["accounts"])
    pq.write_table(pa.Table.from_pylist(contacts, schema=pa.schema([
        ("person_id", truth.schema.field("person_id").type), ("account_id", pa.string()), ("linked_by", pa.string()),
        ("source", pa.string()), ("source_record_id", pa.string())])),
        out / TRUTH["account_contacts"])
    by = {h: sum(c["linked_by"] == h for c in contacts) for h in LINKS}
    return {"files": dict(FILES), "truth": dict(TRUTH), "accounts": n_acc,
            "contacts": len(contacts), "linked_by": by, "free_mail_domains": list(FREE_MAIL),
            "free_mail_accounts": int(sole.sum())}

"""A small workspace holding one person (Ann) everywhere: raw tables, derived tables of every
stage shape, and files in the folder; plus a bystander (Bob) who must survive."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from idic.workspace import Workspace

ANN = "ann.lee@example.com"
BOB = "bob.stone@example.com"

IDENTITIES = """source,source_record_id,email,phone,first_name,last_name,birth_date,address,postcode,city,country,cookie_id,social_handle
web,W1,Ann.Lee@Example.com,+447700900123,Ann,Lee,1985-04-12,12 High Street,SW1A 1AA,London,GB,ck-ann,@annlee
store,S9,ann.lee@example.com,,Ann,Lee,,,,London,GB,,
web,W2,bob.stone@example.com,+447700900999,Bob,Stone,1970-01-01,1 Low Road,E1 6AN,London,GB,ck-bob,@bobs
"""
ORDERS = """order_id,source,source_customer_id,ordered_at,amount,currency,channel
O1,web,W1,2024-03-01T12:00:00Z,59.90,GBP,web
O2,store,S9,2024-04-01T12:00:00Z,20.00,GBP,store
O3,web,W2,2024-04-02T12:00:00Z,10.00,GBP,web
"""
CASES = """case_id,source,source_customer_id,opened_at,channel,topic,text
C1,web,W1,2024-05-01T08:00:00Z,email,late delivery,Please reply to ann.lee@example.com
C2,web,W2,2024-05-02T08:00:00Z,email,price,too expensive
"""
SURVEYS = """response_id,source,source_customer_id,responded_at,survey,score,comment
R1,store,S9,2024-04-02T09:00:00Z,nps,9,great
R2,web,W2,2024-04-03T09:00:00Z,nps,3,meh
"""
CONSENTS = """source,source_customer_id,purpose,status,recorded_at,proof,channel
web,W1,email_marketing,granted,2024-01-02T10:00:00Z,form-v3,web
web,W1,email_marketing,withdrawn,2024-06-02T10:00:00Z,unsubscribe-link,email
web,W1,profiling,granted,2024-01-02T10:00:00Z,form-v3,web
web,W2,email_marketing,granted,2024-01-02T10:00:00Z,form-v3,web
"""
REFERRALS = """referral_id,source,referrer_id,referred_id,referred_at
F1,web,W1,W2,2024-02-14T12:00:00Z
"""
SOCIAL = """mention_id,source,social_handle,posted_at,text
M1,twitter,@annlee,2024-02-10T19:00:00Z,Love the new store!
M2,twitter,@bobs,2024-02-11T19:00:00Z,ok
"""
SEGMENT = {"batch": [
    {"type": "identify", "messageId": "e1", "userId": "W1", "anonymousId": "ck-ann",
     "timestamp": "2024-05-01T10:00:00Z", "traits": {"email": ANN, "firstName": "Ann"}},
    {"type": "track", "messageId": "e2", "userId": "W1", "event": "Product Viewed",
     "timestamp": "2024-05-01T10:01:00Z", "properties": {"sku": "B1"}},
    {"type": "track", "messageId": "e3", "anonymousId": "ck-ann", "event": "Cart Viewed",
     "timestamp": "2024-05-01T10:02:00Z"},
    {"type": "track", "messageId": "e4", "userId": "W2", "event": "Product Viewed",
     "timestamp": "2024-05-01T10:03:00Z"},
    {"type": "track", "messageId": "e5", "anonymousId": "ck-zzz", "event": "Newsletter",
     "timestamp": "2024-05-01T10:04:00Z", "properties": {"typed_email": "ANN.LEE@example.com"}},
]}
#: a bad identities row: quarantined with the raw record holding Ann's e-mail
BAD_IDENTITIES = """source,source_record_id,email
web,,ann.lee@example.com
"""


def build(path: Path, *, derived: bool = True) -> Path:
    """Create the workspace at ``path`` (closed when this returns)."""
    ws = Workspace.init(path)
    data = path / "demo-data"
    data.mkdir()
    files = {"identities": IDENTITIES, "orders": ORDERS, "cases": CASES,
             "survey_responses": SURVEYS, "consents": CONSENTS, "referrals": REFERRALS,
             "social": SOCIAL}
    try:
        for kind, text in files.items():
            f = data / f"{kind}.csv"
            f.write_text(text)
            ws.ingest(kind, f)
        (data / "bad.csv").write_text(BAD_IDENTITIES)
        ws.ingest("identities", data / "bad.csv")
        seg = data / "events.json"
        seg.write_text(json.dumps(SEGMENT))
        ws.ingest("segment", seg, source="web")
        if derived:
            _derived(ws)
    finally:
        ws.close()
    (path / "report.html").write_text(f"<html><p>Top customer: {ANN}</p><p>{BOB}</p></html>")
    return path


def _derived(ws: Workspace) -> None:
    """Tables of the shapes identify / value / clv / journeys / audiences write."""
    e = ws.engine
    e.create_table("identity_map", pa.table({
        "source": ["web", "store", "web"], "source_record_id": ["W1", "S9", "W2"],
        "customer_id": ["C-ann", "C-ann", "C-bob"]}))
    e.create_table("customers", pa.table({
        "customer_id": ["C-ann", "C-bob"], "email": [ANN, BOB],
        "phone": ["+447700900123", "+447700900999"], "first_name": ["Ann", "Bob"],
        "last_name": ["Lee", "Stone"], "country": ["GB", "GB"]}))
    e.create_table("identity_links", pa.table({
        "rid_l": ["web:W1"], "rid_r": ["store:S9"], "kind": ["identifier"],
        "id_type": ["email"], "score": [1.0]}))
    e.create_table("identity_lineage", pa.table({
        "run_id": ["r1"], "event": ["merge"], "customer_id": ["C-ann"],
        "other_customer_id": [None], "reason": ["email"]}))
    for name, col in (("rfm", "segment"), ("abc", "abc_class"), ("value", "actual"),
                      ("clv", "clv"), ("audiences", "audience")):
        e.create_table(name, pa.table({"customer_id": ["C-ann", "C-bob"],
                                       col: ["a", "b"] if col != "clv" and col != "actual"
                                       else [100.0, 5.0]}))
    e.create_table("journeys", pa.table({"customer_id": ["C-ann", "C-bob"],
                                         "path": ["web>store", "web"]}))
    e.create_table("referral_graph", pa.table({"referrer_customer_id": ["C-ann"],
                                               "referred_customer_id": ["C-bob"]}))
    e.create_table("_idic_values", pa.table({"rid": ["web:W1", "web:W2"],
                                             "value": [ANN, BOB]}))


def scan_for(path: Path, needle: str) -> list[str]:
    """Every place in the workspace holding ``needle`` (case-insensitive): table.column
    for every string column of every table, and every file (text or not)."""
    hits = []
    ws = Workspace.open(path, read_only=True)
    try:
        for name in ws.tables():
            t = ws.table(name)
            for c, ty in t.schema().items():
                if not ty.is_string():
                    continue
                n = int(t.filter(t[c].lower().contains(needle.lower())).count().execute())
                if n:
                    hits.append(f"{name}.{c}")
    finally:
        ws.close()
    for f in path.rglob("*"):
        if f.is_file() and needle.lower().encode() in f.read_bytes().lower():
            hits.append(str(f.relative_to(path)))
    return hits


_TEMPLATES: dict[bool, Path] = {}


def fresh(path: Path, *, derived: bool = True) -> Path:
    """Like :func:`build`, but copies a workspace built once per test session (faster)."""
    import atexit
    import shutil
    import tempfile

    if derived not in _TEMPLATES:
        root = Path(tempfile.mkdtemp(prefix="idic-privacy-fixture-"))
        atexit.register(shutil.rmtree, root, True)
        _TEMPLATES[derived] = build(root / "ws", derived=derived)
    shutil.copytree(_TEMPLATES[derived], path)
    return path

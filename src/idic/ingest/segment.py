"""Segment-spec messages (identify, track, page, screen, group, alias) into events and identities.

Accepts a JSON file holding one message, a ``{"batch": [...]}`` envelope, a JSON array of
messages, or JSON lines of any of these. Parsing is done by DuckDB's JSON reader (vectorised);
the resulting rows then pass the same validation, quarantine and idempotency as file ingest.

Mapping (https://segment.com/docs/connections/spec/common/):

- ``messageId`` -> ``message_id`` (a message without one gets ``md5`` of its JSON text, so a
  re-sent copy is still recognised);
- ``timestamp`` (else ``originalTimestamp``, ``sentAt``, ``receivedAt``) -> ``timestamp``;
- ``event`` (track) or ``name`` (page, screen) -> ``event``;
- ``userId``/``anonymousId`` -> ``user_id``/``anonymous_id``; for ``alias``, ``previousId``
  becomes ``anonymous_id`` when no anonymousId is given;
- ``properties`` (track/page/screen) or ``traits`` (identify/group, with ``groupId``) ->
  ``properties``; ``context`` -> ``context``; ``channel``, ``stage``, ``creator``,
  ``sentiment`` are read from ``properties`` or ``context`` when present; page -> web and
  screen -> app when no channel is given;
- every ``identify`` with a ``userId`` also yields an ``identities`` row: the traits
  ``email``, ``phone``, ``firstName``/``first_name``, ``lastName``/``last_name``,
  ``birthday``, ``address.{street,postalCode,city,state,country}``, ``company.id`` (or
  ``company_id``) as ``b2b_account_id`` and the anonymousId as ``cookie_id``;
- every ``group`` with a ``groupId`` also yields an ``accounts`` row: ``groupId`` ->
  ``account_id`` and the traits ``name``, ``domain``/``website``, ``industry``,
  ``employees``/``size``, ``owner``; its ``userId`` is a contact of that account (see
  :mod:`idic.accounts`).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

from idic.errors import InputError
from idic.ingest.loader import IngestResult, file_sha256, ingest_staged

EVENTS_SQL = """
WITH raw AS (
    SELECT json AS j FROM read_json_objects('{path}', format='{fmt}')
), msgs AS (
    SELECT unnest({expand}) AS m
    FROM raw
), numbered AS (
    SELECT row_number() OVER () AS n, m FROM msgs
)
SELECT
    n AS _line,
    coalesce(m->>'messageId', m->>'message_id', md5(m::VARCHAR)) AS message_id,
    coalesce(m->>'source', ?) AS source,
    m->>'type' AS type,
    coalesce(m->>'timestamp', m->>'originalTimestamp', m->>'sentAt', m->>'receivedAt')
        AS timestamp,
    coalesce(m->>'event', m->>'name', m->'properties'->>'name') AS event,
    coalesce(m->>'userId', m->>'user_id') AS user_id,
    coalesce(m->>'anonymousId', m->>'anonymous_id',
             CASE WHEN m->>'type' = 'alias' THEN m->>'previousId' END) AS anonymous_id,
    coalesce(m->'properties'->>'channel', m->'context'->>'channel_name',
             CASE m->>'type' WHEN 'page' THEN 'web' WHEN 'screen' THEN 'app' END) AS channel,
    coalesce(m->'properties'->>'stage', m->'context'->>'stage') AS stage,
    coalesce(m->'properties'->>'creator', m->'context'->>'creator') AS creator,
    coalesce(m->'properties'->>'sentiment', m->'context'->>'sentiment') AS sentiment,
    CASE WHEN m->>'type' IN ('identify', 'group')
         THEN json_merge_patch(coalesce(m->'traits', '{{}}'::JSON),
                               CASE WHEN m->>'groupId' IS NULL THEN '{{}}'::JSON
                                    ELSE json_object('groupId', m->>'groupId') END)::VARCHAR
         ELSE (m->'properties')::VARCHAR END AS properties,
    (m->'context')::VARCHAR AS context
FROM numbered
"""
#: a file's JSON values may be messages, arrays of messages or ``{"batch": [...]}`` envelopes
EXPAND = """CASE
        WHEN json_type(j) = 'ARRAY' THEN json_extract(j, '$[*]')
        WHEN json_exists(j, '$.batch') THEN json_extract(j, '$.batch[*]')
        ELSE [j] END"""

IDENTITIES_SQL = """
SELECT
    _line, source, user_id AS source_record_id,
    t->>'email' AS email, t->>'phone' AS phone,
    coalesce(t->>'firstName', t->>'first_name') AS first_name,
    coalesce(t->>'lastName', t->>'last_name') AS last_name,
    coalesce(t->>'birthday', t->>'birth_date') AS birth_date,
    CASE WHEN json_type(t->'address') = 'OBJECT' THEN t->'address'->>'street'
         ELSE t->>'address' END AS address,
    coalesce(t->'address'->>'postalCode', t->'address'->>'postal_code', t->>'postcode')
        AS postcode,
    coalesce(t->'address'->>'city', t->>'city') AS city,
    coalesce(t->'address'->>'state', t->>'region') AS region,
    coalesce(t->'address'->>'country', t->>'country') AS country,
    anonymous_id AS cookie_id,
    timestamp AS first_seen, timestamp AS last_seen,
    coalesce(CASE WHEN json_type(t->'company') = 'OBJECT' THEN t->'company'->>'id' END,
             t->>'company_id') AS b2b_account_id
FROM (SELECT *, properties::JSON AS t FROM ev WHERE type = 'identify' AND user_id IS NOT NULL)
"""

#: every ``group`` call with a groupId: an ``accounts`` row from its traits (traits that are not
#: valid JSON - a lone surrogate, a truncated body - name no account; the event is kept)
ACCOUNTS_SQL = """
SELECT
    t->>'groupId' AS account_id,
    coalesce(t->>'name', t->>'company_name') AS name,
    coalesce(t->>'domain', t->>'website') AS domain,
    t->>'industry' AS industry,
    coalesce(t->>'employees', t->>'employee_count', t->>'size') AS size,
    coalesce(t->>'owner', t->>'account_owner') AS owner,
    source
FROM (SELECT *, TRY_CAST(properties AS JSON) AS t FROM ev
      WHERE lower(trim(type)) = 'group')
WHERE json_type(t) = 'OBJECT' AND (t->>'groupId') IS NOT NULL
ORDER BY _line
"""


def parse_segment_file(path: Path, source: str = "segment", *, one_per_line: bool = False
                       ) -> tuple[pa.Table, pa.Table]:
    """(events, identities) as Arrow tables of text columns, with a ``_line`` per message.

    ``one_per_line``: every line is exactly one message, taken as it is (the collection
    spool): a message's own ``batch`` key is a property of that message, never expanded.
    """
    con = duckdb.connect()
    try:
        p = str(path).replace("'", "''")
        sql = EVENTS_SQL.format(path=p, fmt="newline_delimited" if one_per_line else "auto",
                                expand="[j]" if one_per_line else EXPAND)
        ev = con.execute(sql, [source]).fetch_arrow_table()
        con.register("ev", ev)
        ids = con.execute(IDENTITIES_SQL).fetch_arrow_table()
    except duckdb.Error as exc:
        raise InputError(f"{path}: not Segment JSON: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    if ev.num_rows == 0:
        raise InputError(f"{path}: no Segment messages found (expected a message, a batch "
                         'object {"batch": [...]}, an array, or JSON lines)')
    return ev, ids


def accounts_of(ev: pa.Table) -> pa.Table:
    """The ``accounts`` rows (text columns) of the ``group`` calls among parsed events."""
    con = duckdb.connect()
    try:
        con.register("ev", ev)
        return con.execute(ACCOUNTS_SQL).fetch_arrow_table()
    finally:
        con.close()


def ingest_segment_file(ws, path: Path, *, source: str | None = None,
                        progress=None) -> IngestResult:
    """Load Segment messages: the result counts events; identities (from identify calls) and
    accounts (from group calls) ride in ``related``."""
    from idic.schema import TABLES

    t0 = time.perf_counter()
    ev, ids = parse_segment_file(path, source or "segment")
    accounts = accounts_of(ev)
    sha = file_sha256(path)
    eng = ws.engine
    tag = uuid.uuid4().hex[:12]
    try:
        with eng.transaction():
            result = ingest_staged(ws, TABLES["events"],
                                   eng.from_arrow(ev.drop(["_line"]), f"_idic_ev_{tag}"),
                                   file=str(path), mapping={}, source=None, first_line=1,
                                   sha=sha, progress=progress)
            if ids.num_rows:
                result.related["identities"] = ingest_staged(
                    ws, TABLES["identities"],
                    eng.from_arrow(ids.drop(["_line"]), f"_idic_id_{tag}"),
                    file=str(path), mapping={}, source=None, first_line=1, sha=sha)
            if accounts.num_rows:
                result.related["accounts"] = ingest_staged(
                    ws, TABLES["accounts"], eng.from_arrow(accounts, f"_idic_ac_{tag}"),
                    file=str(path), mapping={}, source=None, first_line=1, sha=sha)
    finally:
        for part in ("ev", "id", "ac"):
            eng.unstage(f"_idic_{part}_{tag}")
    result.seconds = round(time.perf_counter() - t0, 3)
    return result

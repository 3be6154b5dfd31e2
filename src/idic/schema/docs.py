"""Render the canonical schema as Markdown: ``python -m idic.schema.docs > docs/schema.md``."""

from __future__ import annotations

from idic.schema.tables import TABLES

HEADER = """# Canonical tables

Generated from `src/idic/schema/tables.py` by `python -m idic.schema.docs > docs/schema.md`
(a test fails when the two drift apart). Types: `string`; `timestamp` (ISO 8601, stored in
UTC; values with an offset are converted, values without one are read as UTC); `date`
(YYYY-MM-DD); `decimal` (money, rounded to cents); `float`; `int`; `json` (text holding a JSON
object or array).

Rules on load (`idic ingest KIND FILE`): a row missing a **required** value, or with an
unusable one, goes to the `quarantine` table (file, line, column, value, reason and the whole
raw row as JSON); an unusable **optional** value becomes null and is logged in
`ingest_warnings`. Rows whose key is already held are counted as duplicates and not loaded
again. Every stored row also carries `_batch_id` and `_ingested_at` (its load in
`ingest_log`).
"""


def render() -> str:
    parts = [HEADER]
    for spec in TABLES.values():
        parts.append(f"\n## `{spec.name}`\n\n{spec.description}\n")
        parts.append(f"Key (a re-sent row with this key is a duplicate): "
                     f"`{', '.join(spec.key)}`.\n")
        parts.append("| column | type | required | meaning | example |")
        parts.append("|---|---|---|---|---|")
        for c in spec.columns:
            meaning = c.description
            if c.values:
                meaning += " — one of " + ", ".join(f"`{v}`" for v in c.values)
            if c.check == "currency":
                meaning += " (validated against ISO 4217)"
            if c.check == "email":
                meaning += " (validated: one @, a dotted domain)"
            if c.check == "domain":
                meaning += (" (validated: a dotted host name; `https://www.Acme.com/about` "
                            "is stored as `acme.com`)")
            if c.low is not None:
                meaning += f" (range {c.low:g}–{c.high:g})"
            example = c.example.replace("|", "\\|")
            parts.append(f"| `{c.name}` | {c.type} | {'yes' if c.required else 'no'} | "
                         f"{meaning} | `{example}` |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")

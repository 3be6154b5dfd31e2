"""Canonical tables: columns, types, constraints. The single source for validation and docs.

Types are logical: ``string``, ``timestamp`` (UTC), ``date``, ``decimal`` (money, 2 places),
``float``, ``int``, ``json`` (text holding a JSON value). ``check`` names a validator in
:mod:`idic.ingest.validate` (``email``, ``phone``, ``currency``, ``enum``, ``range``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt

IBIS_TYPES: dict[str, dt.DataType] = {
    "string": dt.string,
    "timestamp": dt.Timestamp(timezone="UTC"),
    "date": dt.date,
    "decimal": dt.Decimal(18, 2),
    "float": dt.float64,
    "int": dt.int64,
    "json": dt.string,
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    description: str
    example: str
    check: str | None = None
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    time_column: str | None = None
    customer_columns: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def ibis_schema(self) -> ibis.Schema:
        """Schema of the stored table: the columns plus ingest lineage (_batch_id, _ingested_at)."""
        cols = {c.name: IBIS_TYPES[c.type] for c in self.columns}
        cols["_batch_id"] = dt.string
        cols["_ingested_at"] = dt.Timestamp(timezone="UTC")
        return ibis.schema(cols)


def C(name: str, type_: str, required: bool, description: str, example: str, **kw) -> Column:
    return Column(name, type_, required, description, example, **kw)


SOURCE = C("source", "string", True, "Source system the record comes from", "web")
STAGES = ("awareness", "consideration", "purchase", "use", "support", "loyalty")
CHANNELS = ("web", "app", "email", "store", "call_centre", "social", "partner")
CREATORS = ("paid", "owned", "earned")
SENTIMENTS = ("positive", "neutral", "negative")
SEGMENT_TYPES = ("identify", "track", "page", "screen", "group", "alias")

IDENTITIES = TableSpec(
    "identities",
    "One row per source record of a person: identifiers and PII attributes.",
    (
        SOURCE,
        C("source_record_id", "string", True, "Record id inside the source", "W-000123"),
        C("email", "string", False, "E-mail, normalised to lower case", "ann.lee@example.com",
          check="email"),
        C("phone", "string", False, "Phone, normalised to E.164", "+447700900123", check="phone"),
        C("loyalty_id", "string", False, "Loyalty card number", "L00042"),
        C("account_id", "string", False, "Web / app account id", "acc_8812"),
        C("device_id", "string", False, "Mobile device id", "dev-3f2a"),
        C("cookie_id", "string", False, "Browser cookie id (anonymous_id)", "ck-91bd"),
        C("social_handle", "string", False, "Social network handle, lower case", "@annlee"),
        C("first_name", "string", False, "Given name", "Ann"),
        C("last_name", "string", False, "Family name", "Lee"),
        C("birth_date", "date", False, "Date of birth", "1985-04-12"),
        C("address", "string", False, "Street address", "12 High Street"),
        C("postcode", "string", False, "Postal code", "SW1A 1AA"),
        C("city", "string", False, "City", "London"),
        C("region", "string", False, "Region / state", "England"),
        C("country", "string", False, "ISO 3166-1 alpha-2 country", "GB"),
        C("first_seen", "timestamp", False, "When the source first saw the record", "2024-01-02T10:00:00Z"),
        C("last_seen", "timestamp", False, "When the source last saw the record", "2024-06-30T18:12:00Z"),
        C("b2b_account_id", "string", False,
          "B2B account the contact works for (accounts.account_id; Segment traits.company.id)",
          "ACC-0042"),
    ),
    key=("source", "source_record_id"),
    time_column="last_seen",
    customer_columns=("source_record_id",),
)

ORDERS = TableSpec(
    "orders",
    "One row per order (transaction).",
    (
        C("order_id", "string", True, "Order id, unique within the source", "O-1001"),
        SOURCE,
        C("source_customer_id", "string", True, "Buyer's record id in the source (identities.source_record_id)", "W-000123"),
        C("ordered_at", "timestamp", True, "When the order was placed (UTC)", "2024-03-01T12:30:00Z"),
        C("amount", "decimal", True, "Order amount (revenue), 2 decimals", "59.90"),
        C("currency", "string", True, "ISO 4217 currency code", "EUR", check="currency"),
        C("channel", "string", False, "Sales channel", "web", check="enum", values=CHANNELS),
        C("margin", "decimal", False, "Contribution margin of the order where known", "18.20"),
        C("items", "json", False, "JSON array of line items {sku, category, qty, price}",
          '[{"sku":"B12","category":"books","qty":1,"price":59.9}]', check="json"),
    ),
    key=("source", "order_id"),
    time_column="ordered_at",
    customer_columns=("source_customer_id",),
)

EVENTS = TableSpec(
    "events",
    "Behavioural events, Segment-spec compatible, with the touchpoint taxonomy.",
    (
        C("message_id", "string", True, "Unique message id (idempotency key)", "msg-7f3c"),
        SOURCE,
        C("type", "string", True, "Segment call type", "track", check="enum", values=SEGMENT_TYPES),
        C("timestamp", "timestamp", True, "When the event happened (UTC)", "2024-03-01T12:29:00Z"),
        C("event", "string", False, "Event name (track) or page/screen name", "Product Viewed"),
        C("user_id", "string", False, "Known user: identities.source_record_id of the same source", "W-000123"),
        C("anonymous_id", "string", False, "Anonymous id (cookie / device)", "ck-91bd"),
        C("channel", "string", False, "Touchpoint channel", "web", check="enum", values=CHANNELS),
        C("stage", "string", False, "Buying stage", "consideration", check="enum", values=STAGES),
        C("creator", "string", False, "Touchpoint creator", "owned", check="enum", values=CREATORS),
        C("sentiment", "string", False, "positive (love point) / neutral / negative (pain point)",
          "negative", check="enum", values=SENTIMENTS),
        C("properties", "json", False, "Event properties (JSON object)", '{"sku":"B12"}', check="json"),
        C("context", "json", False, "Segment context (JSON object)", '{"ip":"203.0.113.9"}', check="json"),
    ),
    key=("message_id",),
    time_column="timestamp",
    customer_columns=("user_id", "anonymous_id"),
)

SURVEY_RESPONSES = TableSpec(
    "survey_responses",
    "Answers to NPS / CSAT / CES / share-of-wallet surveys.",
    (
        C("response_id", "string", True, "Response id", "S-55"),
        SOURCE,
        C("source_customer_id", "string", True, "Respondent's record id in the source", "W-000123"),
        C("responded_at", "timestamp", True, "When the answer was given", "2024-04-02T09:00:00Z"),
        C("survey", "string", True, "Survey kind", "nps", check="enum", values=("nps", "csat", "ces", "wallet")),
        C("score", "float", False, "Score: NPS 0-10, CSAT 1-5, CES 1-7", "9", check="range", low=0, high=10),
        C("comment", "string", False, "Free-text verbatim", "Fast delivery, thanks"),
        C("category_spend", "decimal", False, "Stated total spend in the category per year (wallet)", "1200.00"),
        C("touchpoint", "string", False, "Touchpoint the survey follows", "delivery"),
        C("channel", "string", False, "Channel of the survey", "email", check="enum", values=CHANNELS),
        C("order_id", "string", False, "Order the answer follows (e.g. NPS after a delivery)", "O-1001"),
        C("case_id", "string", False, "Case the answer follows (e.g. CSAT after a complaint)", "C-901"),
    ),
    key=("source", "response_id"),
    time_column="responded_at",
    customer_columns=("source_customer_id",),
)

CASES = TableSpec(
    "cases",
    "Complaints and service cases.",
    (
        C("case_id", "string", True, "Case id", "C-901"),
        SOURCE,
        C("source_customer_id", "string", True, "Customer's record id in the source", "CC-7781"),
        C("opened_at", "timestamp", True, "When the case was opened", "2024-05-01T08:00:00Z"),
        C("first_response_at", "timestamp", False, "First response to the customer", "2024-05-01T10:00:00Z"),
        C("resolved_at", "timestamp", False, "When the case was closed", "2024-05-03T16:00:00Z"),
        C("channel", "string", False, "Channel the complaint came through", "call_centre", check="enum", values=CHANNELS),
        C("topic", "string", False, "Topic", "late delivery"),
        C("severity", "string", False, "Severity", "high", check="enum", values=("low", "medium", "high", "critical")),
        C("outcome", "string", False, "Outcome", "refund", check="enum",
          values=("resolved", "refund", "replacement", "compensation", "rejected", "unresolved")),
        C("text", "string", False, "The complaint in the customer's words", "Parcel arrived two weeks late"),
    ),
    key=("source", "case_id"),
    time_column="opened_at",
    customer_columns=("source_customer_id",),
)

CONSENTS = TableSpec(
    "consents",
    "Consent ledger: one row per grant or withdrawal, history kept.",
    (
        SOURCE,
        C("source_customer_id", "string", True, "Customer's record id in the source", "W-000123"),
        C("purpose", "string", True, "Processing purpose", "email_marketing"),
        C("status", "string", True, "granted or withdrawn", "granted", check="enum", values=("granted", "withdrawn")),
        C("recorded_at", "timestamp", True, "When the consent was given / withdrawn", "2024-01-02T10:00:00Z"),
        C("proof", "string", False, "Evidence (form id, double opt-in message id, ...)", "form-signup-v3"),
        C("channel", "string", False, "Channel where it was collected", "web", check="enum", values=CHANNELS),
    ),
    key=("source", "source_customer_id", "purpose", "status", "recorded_at"),
    time_column="recorded_at",
    customer_columns=("source_customer_id",),
)

REFERRALS = TableSpec(
    "referrals",
    "Who referred whom.",
    (
        C("referral_id", "string", True, "Referral id", "R-12"),
        SOURCE,
        C("referrer_id", "string", True, "Referrer's record id in the source", "W-000123"),
        C("referred_id", "string", True, "Referred customer's record id in the source", "W-000777"),
        C("referred_at", "timestamp", True, "When the referral happened", "2024-02-14T12:00:00Z"),
        C("channel", "string", False, "Channel of the referral", "social", check="enum", values=CHANNELS),
    ),
    key=("source", "referral_id"),
    time_column="referred_at",
    customer_columns=("referrer_id", "referred_id"),
)

SOCIAL = TableSpec(
    "social",
    "Social mentions of the brand (social listening).",
    (
        C("mention_id", "string", True, "Mention id", "M-3"),
        SOURCE,
        C("social_handle", "string", True, "Author's handle (identities.social_handle)", "@annlee"),
        C("posted_at", "timestamp", True, "When it was posted", "2024-02-10T19:00:00Z"),
        C("text", "string", False, "The post", "Love the new store!"),
        C("followers", "int", False, "Author's followers at posting time", "1520"),
        C("engagement", "int", False, "Likes + shares + replies", "37"),
        C("sentiment", "string", False, "Sentiment if known", "positive", check="enum", values=SENTIMENTS),
        C("url", "string", False, "Link to the post", "https://social.example/p/3"),
    ),
    key=("source", "mention_id"),
    time_column="posted_at",
    customer_columns=("social_handle",),
)

ACCOUNTS = TableSpec(
    "accounts",
    "B2B accounts (business customers) that contacts roll up to; also made from Segment "
    "group calls (groupId and traits).",
    (
        C("account_id", "string", True, "Account id (a Segment group call's groupId)", "ACC-0042"),
        C("name", "string", False, "Company name", "Northwind Tools Ltd"),
        C("domain", "string", False, "Company web / e-mail domain, lower case, without scheme, "
          "www. or path", "northwind.example", check="domain"),
        C("industry", "string", False, "Industry", "wholesale"),
        C("size", "string", False, "Company size: employees or a band", "51-200"),
        C("owner", "string", False, "Account owner (key account manager)", "Priya Shah"),
        C("source", "string", False, "Source system the account comes from", "crm"),
    ),
    key=("account_id",),
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (IDENTITIES, ORDERS, EVENTS, SURVEY_RESPONSES, CASES, CONSENTS, REFERRALS, SOCIAL,
              ACCOUNTS)
}

QUARANTINE_SCHEMA = ibis.schema({
    "batch_id": "string", "kind": "string", "file": "string", "line": "int64",
    "column": "string", "value": "string", "reason": "string",
    "record": "string", "quarantined_at": dt.Timestamp(timezone="UTC"),
})

INGEST_LOG_SCHEMA = ibis.schema({
    "batch_id": "string", "kind": "string", "file": "string", "file_sha256": "string",
    "received": "int64", "accepted": "int64", "quarantined": "int64", "duplicates": "int64",
    "warnings": "int64", "started_at": dt.Timestamp(timezone="UTC"),
    "finished_at": dt.Timestamp(timezone="UTC"),
})

"""Request and response bodies (documented in the OpenAPI spec)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SegmentMessage(BaseModel):
    """A Segment-spec message (https://segment.com/docs/connections/spec/common/)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["identify", "track", "page", "screen", "group", "alias"] | None = None
    messageId: str | None = None
    userId: str | None = None
    anonymousId: str | None = None
    timestamp: str | None = None
    event: str | None = None
    name: str | None = None
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    context: dict[str, Any] | None = None


class SegmentBatch(BaseModel):
    model_config = ConfigDict(extra="allow")
    batch: list[dict[str, Any]] = Field(..., description="Segment messages")
    context: dict[str, Any] | None = None
    sentAt: str | None = None


class CollectResult(BaseModel):
    received: int
    accepted: int
    quarantined: int
    duplicates: int
    pending: bool = False


class CustomerList(BaseModel):
    customers: list[dict[str, Any]]
    total: int | None = None
    limit: int
    offset: int


class Consent(BaseModel):
    customer_id: str | None = Field(None, description="A resolved customer id (or give "
                                    "source and source_customer_id)")
    source: str | None = None
    source_customer_id: str | None = None
    purpose: str = Field(..., min_length=1, max_length=100, examples=["email_marketing"])
    status: Literal["granted", "withdrawn"]
    recorded_at: str | None = Field(None, description="ISO timestamp; default now")
    proof: str | None = None
    channel: str | None = None


class ConsentBatch(BaseModel):
    consents: list[Consent] = Field(..., max_length=10_000)


class IngestCounts(BaseModel):
    received: int
    accepted: int
    quarantined: int
    duplicates: int


#: identifiers never hold control characters (and these would not survive SQL literals)
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class SubjectRequest(BaseModel):
    """Who the request is about: one of email, phone, customer_id, or source+record."""

    email: str | None = Field(None, max_length=320, pattern=PRINTABLE)
    phone: str | None = Field(None, max_length=40, pattern=PRINTABLE)
    customer_id: str | None = Field(None, max_length=200, pattern=PRINTABLE)
    source: str | None = Field(None, max_length=100, pattern=PRINTABLE)
    source_record_id: str | None = Field(None, max_length=200, pattern=PRINTABLE)
    compact: bool = Field(True, description="erasure: also rewrite the database file so "
                          "that no freed block keeps the erased data (seconds on big files)")

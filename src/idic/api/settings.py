"""API settings from the environment (``IDIC_API_`` prefix, pydantic-settings)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IDIC_API_", extra="ignore")

    source: str = "web"  #: source name given to collected events
    idle_seconds: float = 2.0  #: the server closes the database file after this idle time
    ack_timeout: float = 10.0  #: how long a collection request waits for its ingest counts
    max_body_bytes: int = 512_000  #: collection bodies (Segment's own limit: 500 KB)
    max_request_bytes: int = 8_000_000  #: every other body (e.g. 10,000 consents)
    max_messages: int = 5_000
    cache_size: int = 20_000  #: cached profile responses (invalidated by any write)
    #: identities + customers rows up to which e-mail / phone lookups are answered from an
    #: in-memory index (rebuilt after writes); larger workspaces query the database
    lookup_index_max_rows: int = 250_000
    #: ``gc.freeze()`` after start-up (``idic serve`` turns it on; off for in-process apps)
    gc_freeze: bool = False
    #: mark the dashboard's session cookie ``Secure`` always (else: when the request came
    #: over HTTPS, directly or through a proxy whose headers are trusted)
    secure_cookies: bool = False

"""Process state of the API: the workspace gate, the collector, the audit buffer, a cache."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from fastapi import Request

from idic.api.settings import ApiSettings
from idic.privacy import audit
from idic.privacy.roles import workspace_secret
from idic.service.access import WorkspaceGate
from idic.service.collector import Collector
from idic.service.lookup_index import LookupIndex


class AppState:
    def __init__(self, path: Path, settings: ApiSettings) -> None:
        self.path = Path(path)
        self.settings = settings
        self.gate = WorkspaceGate(self.path, idle_seconds=settings.idle_seconds)
        self.audit = audit.AuditBuffer()
        self.collector = Collector(self.gate, source=settings.source, audit=self.audit)
        self.secret = workspace_secret(self.path)
        #: e-mail / phone lookups without a query per request (see idic.service.lookup_index)
        self.lookups = LookupIndex(self.gate, max_rows=settings.lookup_index_max_rows)
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- audit ----------------------------------------------------------------------------
    def audit_event(self, request: Request, principal: Any, action: str, *,
                    target: str | None = None, status: int = 200,
                    detail: dict[str, Any] | None = None) -> None:
        route = request.scope.get("route")
        self.audit.add(audit.entry(
            action, key_id=getattr(principal, "key_id", None),
            role=getattr(principal, "role", None), method=request.method,
            route=route.path if route is not None else request.url.path,  # (URL: on demand)
            target=target, status=status,
            detail=detail))
        # appended by the flusher with its next unit of work (at least once a second)

    def hashed(self, kind: str, value: str) -> str:
        """A keyed hash of an identifier, for audit targets (never the raw value)."""
        return kind + ":" + hashlib.sha256(self.secret + value.encode()).hexdigest()[:16]

    # -- cache (keyed by the gate's generation: any write invalidates) ---------------------
    def cache_get(self, key: tuple) -> tuple[bool, Any]:
        full = (self.gate.generation, *key)
        with self._cache_lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return True, self._cache[full]
        return False, None

    def cached(self, key: tuple, compute: Any) -> Any:
        full = (self.gate.generation, *key)  # the generation seen before computing
        hit, value = self.cache_get(key)
        if hit:
            return value
        value = compute()
        with self._cache_lock:
            self._cache[full] = value
            while len(self._cache) > self.settings.cache_size:
                self._cache.popitem(last=False)
        return value

    def table_names(self, ws: Any) -> set[str]:
        """The workspace's tables, remembered until the next write or reopen."""
        gen = self.gate.generation
        if getattr(self, "_tables_gen", None) != gen:
            self._tables = set(ws.tables())
            self._tables_gen = gen
        return self._tables

    def start(self) -> None:
        self.collector.start()
        self.lookups.build_now()  # before the first request (later rebuilds: background)

    def stop(self) -> None:
        self.collector.stop()
        self.gate.close()

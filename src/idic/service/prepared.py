"""Prepared queries: an Ibis expression compiled once, run many times with parameter values.

Ibis compiles an expression in 10-40 ms of Python; a point lookup in DuckDB takes well under
one. For the API's hot paths the expression is built with sentinel literals, compiled once
per connection, and run as parameterised SQL (``$name``). Engines without a raw DuckDB
connection execute the expression with the values substituted (correct, just slower).
(This belongs in ``engine/`` as ``Engine.prepare``; kept here until the lead moves it.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir


def _sentinel(name: str) -> str:
    return f"__idic_param_{name}__"


class Prepared:
    def __init__(self, build: Callable[..., ir.Table], *params: str) -> None:
        self.build = build
        self.params = params
        self._sql: dict[int, str] = {}
        self._lock = threading.Lock()

    def _compile(self, ws) -> str:
        key = id(ws.engine)
        sql = self._sql.get(key)
        if sql is None:
            expr = self.build(ws, **{p: ibis.literal(_sentinel(p)) for p in self.params})
            sql = ws.engine.con.compile(expr)
            for p in self.params:
                sql = sql.replace(f"'{_sentinel(p)}'", f"${p}")
            with self._lock:
                if len(self._sql) > 64:
                    self._sql.clear()
                self._sql[key] = sql
        return sql

    def rows(self, ws, **values: Any) -> list[dict[str, Any]]:
        raw = getattr(ws.engine, "raw", None)
        if raw is None:
            expr = self.build(ws, **{p: ibis.literal(values[p]) for p in self.params})
            return ws.engine.to_arrow(expr).to_pylist()
        return raw.execute(self._compile(ws), values).to_arrow_table().to_pylist()

"""The error answers of every route, in the OpenAPI document.

FastAPI documents 200 and 422; the routes also answer 400 (bad input), 401/403 (key, role),
404 (unknown id or data subject), 413 (body too large, counted while streaming), 503 (workspace busy or
failing) and, for collection, 500 (a batch set aside). One JSON shape for all but 422:
``{"detail": message, "hint": hint}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA = {"title": "Error", "type": "object", "required": ["detail"],
                "properties": {"detail": {"type": "string", "title": "Detail"},
                               "hint": {"anyOf": [{"type": "string"}, {"type": "null"}],
                                        "title": "Hint"}}}
TEXT = {
    400: "Bad input: a value the route cannot use (see detail and hint)",
    401: "Missing or invalid API key",
    403: "The key's role may not use this route",
    404: "Not found",
    413: "Body too large, or too many messages (limits are counted while the body streams)",
    500: "The batch could not be ingested and was set aside for an operator",
    503: "The workspace is busy or failing; try again (collection: the batch is spooled)",
}


def _statuses(path: str, method: str, op: dict[str, Any]) -> list[int]:
    out = [401, 403, 503]
    has_input = "requestBody" in op or op.get("parameters")
    if has_input:
        out += [400, 422]
    if "requestBody" in op:
        out.append(413)
    if "{" in path or path.startswith("/v1/privacy/"):  # an id, or a person, not found
        out.append(404)
    if op.get("tags") == ["collection"]:
        out.append(500)
    return sorted(set(out))


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` by one that adds the error answers to every ``/v1`` route."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=app.routes)
        doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for path, ops in doc.get("paths", {}).items():
            if not path.startswith("/v1/") or path == "/v1/health":
                continue
            for method, op in ops.items():
                responses = op.setdefault("responses", {})
                for status in _statuses(path, method, op):
                    responses.setdefault(str(status), {
                        "description": TEXT.get(status, "Validation error"),
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Error"}}}})
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]

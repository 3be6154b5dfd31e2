"""The REST API (FastAPI): ``create_app(workspace)``; keys and roles in :mod:`idic.api.auth`."""

from idic.api.app import create_app

__all__ = ["create_app"]

"""The one door to data.

Domain code asks an :class:`Engine` for Ibis tables and gives back Ibis expressions or Arrow
tables; only this package knows which backend runs (DuckDB by default, PySpark at scale).
"""

from idic.engine.base import Engine
from idic.engine.factory import open_engine

__all__ = ["Engine", "open_engine"]

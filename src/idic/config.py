"""Settings, read from the environment with the ``IDIC_`` prefix (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

EngineName = Literal["duckdb", "spark"]

DEFAULT_WORKSPACE = Path("idic-workspace")


class Settings(BaseSettings):
    """Process-wide settings. ``IDIC_WORKSPACE``, ``IDIC_ENGINE``, ``IDIC_SPARK_MASTER``."""

    model_config = SettingsConfigDict(env_prefix="IDIC_", extra="ignore")

    workspace: Path = DEFAULT_WORKSPACE
    engine: EngineName = "duckdb"
    spark_master: str = "local[2]"
    spark_memory: str = "2g"


def get_settings() -> Settings:
    return Settings()

"""Every `POLESTAR_*` setting, declared once with its type, default and a one-line description."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Polestar's settings; each field is read from the environment variable `POLESTAR_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="POLESTAR_", extra="ignore")

    data_dir: Path = Field(
        Path("data"),
        description="Folder for the default SQLite database and generated secrets.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store; overrides the SQLite file in the data folder.",
    )
    max_field_bytes: int = Field(
        1024 * 1024,
        description="A source field larger than this quarantines its record (first 64 KiB kept).",
    )
    ingest_chunk_records: int = Field(
        2000,
        description="Source records written per ingest transaction (a crash loses at most one).",
    )
    env: str = Field(
        "production",
        description="`development` relaxes safety defaults meant for a deployed service.",
    )

    def resolved_database_url(self) -> str:
        """The store's URL: the explicit setting, else a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'polestar.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()

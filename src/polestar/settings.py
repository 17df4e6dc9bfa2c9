"""Every `POLESTAR_*` setting, declared once with its type, default and a one-line description."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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
    link_match_threshold: float = Field(
        0.99,
        description="Match probability at or above which two person records are joined.",
    )
    link_duckdb_memory_limit: str = Field(
        "4GB",
        description="Memory DuckDB may use during linkage (a DuckDB size such as 4GB).",
    )
    link_threads: int = Field(2, description="Threads DuckDB uses during linkage.")
    link_seed: int = Field(1, description="Seed for linkage training's random sampling.")
    # 2 million: at 100,000 people, `polestar link` reported 41.7 s at 1e7 and 23.7 s at 2e6,
    # with cluster F1 0.9735 and 0.9736 (bench/linkage.py's county, evaluated on its truth).
    # Splink's maintainers call 1e6 "reasonably decent" for u.
    link_u_max_pairs: float = Field(
        2e6,
        description="Random pairs sampled to estimate u probabilities when training.",
    )
    # 2 million: at 1M person records the two sessions blocked 9.2 M and 7.2 M pairs and took
    # 12.2 s; sampled to about 2 M each, 8.2 s, with the same B-cubed scores at the threshold
    # and every trained weight but two rare levels' within 0.1 (docs/linkage.md).
    link_em_max_pairs: float = Field(
        2e6,
        description=(
            "Blocked pairs expectation maximisation trains on at most, when training (a "
            "deterministic sample of the records where a training rule blocks more)."
        ),
    )
    # Police records of one person carry wholly different dates of birth rarely (2 pairs in
    # 10,000 in the county at 1M); a list whose copies change them freely (FEBRL's: 5 to 7 in
    # 100) has them weighed instead (`person_model.conflict`, docs/linkage.md).
    link_conflict_bound: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description=(
            "Clustering holds records with conflicting dates of birth (or sexes) apart while "
            "training finds fewer than this share of one person's record pairs so (1: always)."
        ),
    )
    link_review_band: tuple[float, float] = Field(
        (0.5, 0.95),
        description="Match probabilities (low, high) of pairs a run puts in the review queue.",
    )
    link_review_limit: int = Field(
        10_000,
        description="Most review items one linkage run adds (the likeliest matches first).",
    )
    link_batch_due_share: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description=(
            "Share of the person records placed on arrival since the last batch run past which "
            "`polestar ingest` and `link --incremental` warn that a batch run is due (0: never)."
        ),
    )
    spark_master: str = Field(
        "local[2]",
        description="Spark master for `polestar link --engine spark` (local[N] or a cluster URL).",
    )
    require_justification: bool = Field(
        True,
        description="Sensitive records and fields need a free-text justification to be seen.",
    )
    audit_lookups_per_day_alert: int = Field(
        200,
        description="Consultations in one day above which the DPO sees a user as a heavy user.",
    )
    password_hash_profile: Literal["standard", "fast"] = Field(
        "standard",
        description="Argon2id cost: `standard` for use, `fast` (tiny, insecure) for tests only.",
    )
    session_idle_minutes: int = Field(
        30, ge=1, description="A signed-in session ends after this many minutes without a request."
    )
    session_absolute_hours: int = Field(
        10,
        ge=1,
        description="A signed-in session ends this many hours after sign-in, however used.",
    )
    lockout_failures: int = Field(
        5, ge=1, description="Failed sign-ins within the lockout window that lock an account."
    )
    lockout_window_minutes: int = Field(
        15, ge=1, description="Minutes over which failed sign-ins are counted towards a lockout."
    )
    lockout_minutes: int = Field(
        15, ge=1, description="Minutes an account stays locked after too many failed sign-ins."
    )
    rate_limit_per_minute: int = Field(
        120, ge=1, description="Requests for personal data one user may make in any 60 seconds."
    )
    sign_in_per_address_per_minute: int = Field(
        20,
        ge=1,
        description="Password sign-ins one client address may attempt in any 60 seconds.",
    )
    oidc_metadata_url: str | None = Field(
        None,
        description="Single sign-on: the provider's OpenID configuration URL; unset turns it off.",
    )
    oidc_client_id: str | None = Field(
        None, description="Single sign-on: Polestar's client id at the identity provider."
    )
    oidc_client_secret: str | None = Field(
        None, description="Single sign-on: Polestar's client secret at the identity provider."
    )
    oidc_redirect_uri: str | None = Field(
        None,
        description="Single sign-on: this server's `/sign-in/sso/callback` URL, as registered.",
    )
    oidc_provider_name: str = Field(
        "your identity provider",
        description="Single sign-on: the name on the sign-in page's button.",
    )
    oidc_claims_mapping: Path | None = Field(
        None,
        description="Single sign-on: YAML mapping ID-token claims to organisation and roles.",
    )
    county_geojson: Path | None = Field(
        None,
        description="The county's map geometry; by default the copy `polestar ingest` keeps.",
    )
    env: str = Field(
        "production",
        description="`development` relaxes safety defaults meant for a deployed service.",
    )

    @field_validator("link_review_band")
    @classmethod
    def _band(cls, band: tuple[float, float]) -> tuple[float, float]:
        low, high = band
        if not 0 <= low < high <= 1:
            raise ValueError("the review band is two probabilities, low < high, e.g. [0.5, 0.95]")
        return band

    def resolved_database_url(self) -> str:
        """The store's URL: the explicit setting, else a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'polestar.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()

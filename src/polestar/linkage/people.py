"""The person stage: features from the store, Splink scoring and clustering, golden people.

Features are derived in DuckDB SQL from the normalised values ingest stored: match keys of
names (upper case, letters only), the formal forms of a forename (`BILL` → WILLIAM, …), the
parts of a double or hyphenated surname, the date of birth as text with its transposed form,
the home postcode with its sector and district, the phone the person uses, and the places
the record ties the person to (homes, and where events they reported happened), keyed as the
location stage keys addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker
from sqlalchemy.engine import Engine

from polestar.linkage import EngineName, constrained, person_model, review_queue, term_frequencies
from polestar.linkage.clusters import Member
from polestar.linkage.duck import load_table
from polestar.linkage.engines import score
from polestar.linkage.joins import strongest_joins
from polestar.linkage.locations import key_rows_sql
from polestar.pole.nicknames import name_form_pairs
from polestar.settings import Settings
from polestar.store import decisions, linkable
from polestar.store.link_models import StoredModel, latest_model, save_model
from polestar.store.person_joins import JoinRow

logger = logging.getLogger(__name__)

PERSON_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("record_id", pa.int64()),
        ("source", pa.string()),
        ("source_key", pa.string()),
        ("forename", pa.string()),
        ("surname", pa.string()),
        ("dob", pa.date32()),
        ("gender", pa.string()),
        ("pnc_id", pa.string()),
        ("ni_number", pa.string()),
        ("crn", pa.string()),
    ]
)
PHONE_SCHEMA = pa.schema(
    [("record_id", pa.int64()), ("source_key", pa.string()), ("phone", pa.string())]
)
# A place a person row is tied to (`linkable.place_batches`): its homes give the postcode.
PLACE_SCHEMA = pa.schema(
    [
        ("record_id", pa.int64()),
        ("source_key", pa.string()),
        ("role", pa.string()),
        ("lines", pa.string()),
        ("town", pa.string()),
        ("postcode", pa.string()),
        ("uprn", pa.string()),
        ("description", pa.string()),
    ]
)

_KEY = "nullif(upper(regexp_replace(strip_accents(coalesce({0}, '')), '[^A-Za-z]', '', 'g')), '')"
FEATURES_SQL = f"""
CREATE OR REPLACE TABLE people AS
WITH homes AS (
    SELECT record_id, source_key, min(postcode) AS postcode
    FROM person_places WHERE role = 'resides-at' GROUP BY ALL
), phones AS (
    SELECT record_id, source_key, min(phone) AS phone FROM person_phones GROUP BY ALL
), places AS (
    SELECT record_id, source_key, list(DISTINCT key ORDER BY key) AS places
    FROM ({key_rows_sql("person_places", "record_id, source_key")}) GROUP BY ALL
), forms AS (
    SELECT name, list(form ORDER BY form) AS forms FROM name_forms GROUP BY name
), base AS (
    SELECT
        p.unique_id, p.record_id, p.source, p.source_key,
        {_KEY.format("p.forename")} AS fn,
        {_KEY.format("p.surname")} AS sn,
        list_filter(
            list_transform(
                regexp_split_to_array(upper(strip_accents(coalesce(p.surname, ''))), '[- ]+'),
                lambda x: regexp_replace(x, '[^A-Z]', '', 'g')
            ),
            lambda x: length(x) > 1
        ) AS sn_parts,
        strftime(p.dob, '%Y-%m-%d') AS dob,
        year(p.dob) AS yob,
        strftime(p.dob, '%m-%d') AS dob_md,
        CASE WHEN day(p.dob) <= 12 AND day(p.dob) <> month(p.dob)
            THEN strftime(make_date(year(p.dob), day(p.dob), month(p.dob)), '%Y-%m-%d')
        END AS dob_swapped,
        CASE WHEN p.gender IN ('M', 'F') THEN p.gender END AS gender,
        h.postcode,
        split_part(h.postcode, ' ', 1) AS outcode,
        split_part(h.postcode, ' ', 1) || ' ' || substr(split_part(h.postcode, ' ', 2), 1, 1)
            AS sector,
        ph.phone,
        pl.places,
        p.pnc_id, p.crn, p.ni_number
    FROM person_raw p
    LEFT JOIN homes h USING (record_id, source_key)
    LEFT JOIN phones ph USING (record_id, source_key)
    LEFT JOIN places pl USING (record_id, source_key)
)
SELECT
    base.*,
    substr(fn, 1, 1) AS fn_initial,
    CASE WHEN fn IS NOT NULL THEN list_distinct(list_append(coalesce(forms.forms, []), fn))
    END AS fn_forms
FROM base LEFT JOIN forms ON forms.name = base.fn
"""


@dataclass
class PersonStage:
    """What the person stage found, before ids are assigned."""

    clusters: list[list[Member]]
    records: int
    pairs_scored: int
    model_version: int | None
    defaults: list[str]
    review: list[dict[str, Any]] = field(default_factory=list)  # pairs to queue for review
    # Evidence written with the placement: the pair that joined each record, and the term
    # frequencies the scores used (so explanations weigh values as this run did).
    joins: list[JoinRow] = field(default_factory=list)
    term_frequencies: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def load_people(
    con: duckdb.DuckDBPyConnection, engine: Engine, record_ids: Sequence[int] | None = None
) -> int:
    """Copy current person records (of `record_ids`, or all) out of the store into `people`,
    with their features."""
    with engine.connect() as conn:
        records = load_table(
            con, "person_raw", PERSON_SCHEMA, linkable.person_batches(conn, record_ids=record_ids)
        )
        load_table(
            con, "person_phones", PHONE_SCHEMA, linkable.phone_batches(conn, record_ids=record_ids)
        )
        load_table(
            con,
            "person_places",
            PLACE_SCHEMA,
            linkable.place_batches(conn, record_ids=record_ids),
        )
    derive_features(con)
    return records


def derive_features(con: duckdb.DuckDBPyConnection) -> None:
    """`people` from `person_raw`, `person_phones` and `person_places` (FEATURES_SQL): the one
    definition the batch, explanations and arrivals share."""
    if not con.sql(
        "SELECT 1 FROM duckdb_tables() WHERE table_name = 'name_forms' "
        "AND database_name = current_database()"
    ).fetchall():
        names, forms = zip(*name_form_pairs(), strict=True)
        con.register("_forms", pa.table({"name": list(names), "form": list(forms)}))
        con.execute("CREATE TABLE name_forms AS SELECT * FROM _forms")
        con.unregister("_forms")
    con.execute(FEATURES_SQL)


def _model(
    linker_for: Callable[[Any], Linker],
    engine: Engine,
    settings: Settings,
    run_id: int,
    records: int,
    retrain: bool,
    warn: Callable[[str], None],
) -> StoredModel:
    with engine.connect() as conn:
        stored = latest_model(conn, "person")
    if stored is not None and not retrain:
        return stored
    linker, fallbacks = person_model.train(
        linker_for,
        seed=settings.link_seed,
        u_max_pairs=settings.link_u_max_pairs,
        em_max_pairs=settings.link_em_max_pairs,
    )
    for fallback in fallbacks:
        warn(f"person training: {fallback}")
    model = linker.misc.save_model_to_json()
    defaults = person_model.fill_untrained(model, settings.link_u_max_pairs)
    if defaults:
        warn(
            f"training could not estimate {len(defaults)} person parameter(s) from "
            f"{records:,} records; documented defaults (or a bound) used: {'; '.join(defaults)}"
        )
    with engine.begin() as conn:
        version = save_model(conn, "person", "duckdb", model, defaults, records, run_id)
    return StoredModel(version, model, defaults)


def _drop_training_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the pairs and comparison vectors expectation maximisation left behind (Splink
    keeps each session's, about 2 GiB at 1M records, in no cache). Beside them the
    prediction that follows ran 1.5 s slower there, and peaked higher."""
    for (name,) in con.sql(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND (starts_with(table_name, '__splink__blocked_id_pairs') "
        "OR starts_with(table_name, '__splink__df_comparison_vectors'))"
    ).fetchall():
        con.execute(f'DROP TABLE "{name}"')


def link_people(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    settings: Settings,
    run_id: int,
    retrain: bool,
    warn: Callable[[str], None],
    scoring_engine: EngineName = "duckdb",
) -> PersonStage:
    """Score and cluster every current person record (training first if needed).

    Training, when needed, runs on DuckDB whichever engine scores: the model is Splink's
    JSON, portable between engines, and training samples pairs that fit one machine.
    """
    records = load_people(con, engine)
    if records == 0:
        return PersonStage([], 0, 0, None, [])
    db_api = DuckDBAPI(connection=con)
    people = db_api.register("people")

    def linker_for(model: Any) -> Linker:
        return Linker(people, model, log_level=logging.ERROR)

    stored = _model(linker_for, engine, settings, run_id, records, retrain, warn)
    _drop_training_pairs(con)
    scored = score(scoring_engine, con, stored.model, linker_for, settings)
    with engine.connect() as conn:
        decided = decisions.constraints(conn, "person")
    clusters, held_apart = constrained.cluster(
        con,
        scored.predictions,
        scored.components,
        settings.link_match_threshold,
        person_model.conflict(stored.model, settings.link_conflict_bound),
        decided,
    )
    logger.info("person clustering held %d scored pairs apart", held_apart)
    review = review_queue.pairs_to_review(con, engine, scored.predictions, stored.model, settings)
    joins = strongest_joins(con, scored.predictions, clusters, settings.link_match_threshold)
    frequencies = term_frequencies.measured(
        con, linker_for(stored.model), term_frequencies.adjusted_columns(stored.model)
    )
    return PersonStage(
        clusters,
        records,
        scored.pairs,
        stored.version,
        stored.defaults,
        review=review,
        joins=joins,
        term_frequencies=frequencies,
    )

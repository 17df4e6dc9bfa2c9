"""The linkage DuckDB: spilling under the data directory."""

from __future__ import annotations

from pathlib import Path

from polestar.linkage import duck
from polestar.settings import Settings


def test_what_does_not_fit_spills_under_the_data_directory_not_the_working_one(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", link_duckdb_memory_limit="64MB")
    con = duck.connect(settings)
    try:
        con.execute(
            "CREATE TABLE wide AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS text "
            "FROM range(2000000) t(i)"
        )
        # The table is several times the limit: DuckDB must write some of it out.
        files = con.sql("SELECT path FROM duckdb_temporary_files()").fetchall()
    finally:
        con.close()
    assert files
    assert all(Path(path).parent == tmp_path / "data" / "spill" for (path,) in files)

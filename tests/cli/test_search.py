"""`polestar search` through the runner: its JSON contract as each user, and refusals (a record
ingested after linking: test_search_on_arrival.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from polestar.cli import app
from tests.canary import ALL, PURPOSES, Seeded, canary, canary_model, expected
from tests.search.indexed import indexed

__all__ = ["canary", "canary_model", "indexed"]
runner = CliRunner()
FIELDS = {"entity_id", "kind", "score", "display_name", "sources", "last_seen", "markers"}


def _search(*arguments: str) -> Result:
    return runner.invoke(app, ["search", *arguments])


@pytest.mark.parametrize("user", ["home-officer", "fire-caseworker", "cps-caseworker"])
def test_json_holds_exactly_the_contract_fields(canary: Seeded, user: str) -> None:
    result = _search("Tobias Quillfeather", "--as", user, "--purpose", PURPOSES[user], "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert set(found) == {"results", "total"}
    assert found["total"] == len(found["results"])
    assert {tuple(sorted(item)) for item in found["results"]} == {tuple(sorted(FIELDS))}
    assert found["results"][0]["entity_id"] == canary.target
    allowed = expected(user, "target", False) or set()
    assert {c for c in ALL if c in result.stdout.lower()} <= allowed


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_the_operator_is_told_what_a_justification_would_also_show(
    canary: Seeded, as_json: bool
) -> None:
    asked = ["zqchild brownlow", "--as", "home-officer", "--purpose", "investigation"]
    hint = "a justification would also show:"
    json_flag = ["--json"] if as_json else []
    unjustified = _search(*asked, *json_flag)
    assert unjustified.exit_code == 0, unjustified.stderr
    # Under 18: found only with a justification, which stderr says it would take.
    assert canary.entity("child") not in unjustified.stdout
    told = unjustified.stderr
    assert hint in told, told
    assert "under-18" in told.split(hint)[1], told
    justified = _search(*asked, "--justification", "case file 4711", *json_flag)
    assert canary.entity("child") in justified.stdout
    assert hint not in justified.stderr, justified.stderr


def test_kind_narrows_the_results(canary: Seeded) -> None:
    result = _search("ST15 8AB", "--purpose", "investigation", "--kind", "location", "--json")
    assert result.exit_code == 0, result.stderr
    kinds = {item["kind"] for item in json.loads(result.stdout)["results"]}
    assert kinds == {"location"}


def test_a_place_a_call_handler_described_is_found_by_its_words(canary: Seeded) -> None:
    result = _search("market square", "--purpose", "investigation", "--kind", "location", "--json")
    assert result.exit_code == 0, result.stderr
    names = [item["display_name"] for item in json.loads(result.stdout)["results"]]
    assert "Market Square, Stone" in names  # beside the addresses on the square


def test_the_table_shows_markers_the_name_and_the_date_of_birth(canary: Seeded) -> None:
    result = _search("quillfeather", "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    assert canary.target in result.stdout
    assert "VI" in result.stdout
    assert "FI" in result.stdout
    assert "1980-03-01" in result.stdout  # whole, in eighty columns


def test_the_table_shows_where_a_place_typed_with_the_name_found_him(canary: Seeded) -> None:
    result = _search("quillfeather stone", "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    assert "at Stone" in result.stdout  # under his name
    typed = _search("quillfeather ST15 8AB", "--purpose", "investigation", "--json")
    assert "ST15 8AB" not in typed.stdout  # the JSON keeps issue 6's fields


@pytest.mark.parametrize(
    "arguments",
    [
        ["", "--purpose", "investigation"],
        ["smith", "--purpose", "investigation", "--kind", "weapon"],
        ["smith"],
        ["smith", "--purpose", "investigation", "--source", "probaton"],
    ],
)
def test_refusals_exit_2_with_one_line(canary: Seeded, arguments: list[str]) -> None:
    result = _search(*arguments)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("narrowed", "found"),
    [
        (["--source", "probation"], True),
        (["--source", "incidents", "--source", "fire_premises"], False),  # none of his records
        (["--born-from", "1980-03-01", "--born-to", "1980-03-01"], True),
        (["--born-from", "1980-03-02"], False),
        (["--born-to", "1980-02-29"], False),
    ],
)
def test_sources_and_a_date_of_birth_range_narrow_the_results(
    canary: Seeded, narrowed: list[str], found: bool
) -> None:
    result = _search("quillfeather", "--purpose", "investigation", *narrowed, "--json")
    assert result.exit_code == 0, result.stderr
    ids = [item["entity_id"] for item in json.loads(result.stdout)["results"]]
    assert (canary.target in ids) == found, ids


@pytest.mark.parametrize(
    ("narrowed", "said"),
    [
        (["--born-from", "1980-13-01"], "Invalid value for '--born-from'"),
        (["--born-from", "1981-01-01", "--born-to", "1980-01-01"], "error: the date of birth"),
    ],
)
def test_a_bad_date_of_birth_range_exits_2(canary: Seeded, narrowed: list[str], said: str) -> None:
    result = _search("quillfeather", "--purpose", "investigation", *narrowed)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert said in result.stderr, result.stderr

"""`polestar link explain --as USER`: the canary matrix through the CLI runner, its JSON
contract, the readable table, and record names that name nothing visible (exit 2)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from polestar.cli import app
from tests.canary import JUSTIFICATION, PURPOSES, USERS, Seeded, canary, canary_model
from tests.explanations import PAIRS, canaries, visible_records

__all__ = ["canary", "canary_model"]
runner = CliRunner()


def _explain(left: str, right: str, *options: str) -> Result:
    return runner.invoke(app, ["link", "explain", left, right, *options])


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_explain_as_each_user_answers_only_for_records_they_may_see(
    canary: Seeded, user: str, justified: bool
) -> None:
    reason = ["--justification", JUSTIFICATION] if justified else []
    visible = visible_records(canary, user, justified)
    for pair in PAIRS:
        result = _explain(*pair, "--as", user, "--purpose", PURPOSES[user], *reason, "--json")
        output = result.stdout + result.stderr
        assert canaries(output) <= canaries(" ".join(pair)), (pair, output)
        if set(pair) <= visible:
            assert result.exit_code == 0, (pair, result.stderr)
            assert [r["record"] for r in json.loads(result.stdout)["records"]] == list(pair)
        else:
            assert (result.exit_code, result.stdout) == (2, ""), (pair, result.stderr)
            assert "error: no person record" in result.stderr


def test_json_holds_the_contract_fields(canary: Seeded) -> None:
    result = _explain(
        "custody:CU-000901", "courts:D-000901", "--purpose", "investigation", "--json"
    )
    assert result.exit_code == 0, result.stderr
    explained = json.loads(result.stdout)
    assert set(explained) == {
        "records", "same_entity", "model_version", "prior", "comparisons", "match_weight",
        "match_probability", "decision", "withheld",
    }  # fmt: skip
    assert explained["records"] == [
        {"record": "custody:CU-000901", "entity_id": canary.target},
        {"record": "courts:D-000901", "entity_id": canary.target},
    ]
    assert explained["decision"] is None
    assert set(explained["prior"]) == {"weight", "probability"}
    assert [c["comparison"] for c in explained["comparisons"]] == [
        "forename", "surname", "dob", "gender", "postcode", "phone", "pnc_id", "crn",
        "ni_number",
    ]  # fmt: skip
    assert all(
        set(c) == {"comparison", "level", "missing", "weight", "tf_weight", "total",
                   "m_probability", "u_probability"}
        for c in explained["comparisons"]
    )  # fmt: skip
    assert 0.0 <= explained["match_probability"] <= 1.0


def test_readable_output_is_a_waterfall(canary: Seeded) -> None:
    result = _explain("custody:CU-000901", "courts:D-000901", "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("prior") < out.index("forename") < out.index("final")
    assert "match probability" in out


@pytest.mark.parametrize(
    ("right", "message"),
    [
        ("custody:CU-404404", "no person record 'custody:CU-404404'"),
        ("CU-000901", "is not a record name: write SOURCE:KEY"),
    ],
    ids=["unknown", "malformed"],
)
def test_a_bad_record_name_exits_2_with_one_line(canary: Seeded, right: str, message: str) -> None:
    result = _explain("custody:CU-000901", right, "--purpose", "investigation")
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr

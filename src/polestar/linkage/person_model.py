"""The person model: Splink comparisons, blocking rules and unsupervised training.

Comparisons are written for the ways police and partner systems get a person wrong (docs/
linkage.md): nicknames, initials, swapped forename and surname, typos, hyphenated and
double-barrelled surnames, transposed day and month, a year off by one, moves. Strong
identifiers weigh heavily, but each has a level for "equal, yet date of birth or sex
conflicts", which training learns is far weaker, so a PNC ID on the wrong person does not
join two people by itself.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.exceptions import EMTrainingException

logger = logging.getLogger(__name__)

# Used for parameters training could not estimate (too few records, an empty column).
# Documented in docs/linkage.md; a run lists every parameter that fell back to them.
DEFAULT_M = {"exact": 0.9, "partial": 0.05, "else": 0.05}
DEFAULT_U = {"exact": 0.001, "partial": 0.01, "else": 0.989}

# Two records whose dates of birth (allowing a transposed day and month or a year off by one)
# or sexes disagree: training finds this almost never happens to one person in police data.
_DOB_CONFLICT = (
    "coalesce(dob_l <> dob_r AND dob_l IS DISTINCT FROM dob_swapped_r "
    "AND NOT (dob_md_l = dob_md_r AND abs(yob_l - yob_r) = 1), false)"
)
_SEX_CONFLICT = "coalesce(gender_l <> gender_r, false)"
CONFLICT = f"{_DOB_CONFLICT} OR {_SEX_CONFLICT}"
_REVERSED = "fn_l = sn_r AND sn_l = fn_r"
_REVERSED_FUZZY = (
    "jaro_winkler_similarity(fn_l, sn_r) >= 0.9 AND jaro_winkler_similarity(sn_l, fn_r) >= 0.9"
)
_SHARED_PLACE = "list_has_any(places_l, places_r)"
PLACE_IN_COMMON = "A home or reported-from address in common"
POSTCODE_SLIP = "Postcodes one keystroke apart"
# A slip in the outward code (`ST61 2AB` for `ST16 2AB`), which the sector and district levels
# cannot catch, or in a code with no parts (another country's `3756` for `3765`): one edit or
# two characters swapped. Pairs reaching this level differ in their district, so a UK pair one
# keystroke apart has the same inward code: compared first, it spares the edit distance of
# nearly every pair (at 1M records it cost 1 to 5 s of the prediction's 33 s, this nothing).
_POSTCODE_SLIP = (
    "(outcode_l = postcode_l "
    "OR substr(postcode_l, length(postcode_l) - 2) = substr(postcode_r, length(postcode_r) - 2)) "
    "AND damerau_levenshtein(postcode_l, postcode_r) <= 1"
)


def conflict(model: dict[str, Any], bound: float) -> str:
    """What holds two records apart in clustering under this trained model: a date of birth
    or a sex that disagrees, each unless training found one person's records wholly
    disagreeing on it (the comparison's last level) in `bound` of their pairs or more
    (`POLESTAR_LINK_CONFLICT_BOUND`; 1 holds them apart always).

    In the county one person's records carry wholly different dates of birth in 2 pairs in
    10,000 (m at 1M records), so such a difference marks twins' or namesakes' records. A list
    whose copies get another date as freely as a mistyped name (FEBRL's, 6.5 in 100) would
    have every such copy held apart however well the rest agrees: there the date counts as its
    trained weight says, like any other comparison. The last level is one training estimates
    wherever the column is filled: most pairs of different people fall in it."""
    parts = []
    for column, expression in (("dob", _DOB_CONFLICT), ("gender", _SEX_CONFLICT)):
        (comparison,) = (c for c in model["comparisons"] if c["output_column_name"] == column)
        differ = comparison["comparison_levels"][-1].get("m_probability")
        if differ is None or differ < bound:
            parts.append(expression)
    return " OR ".join(parts) or "false"


@dataclass(frozen=True)
class LevelSql:
    """One comparison of a model as Splink's SQL gives a pair's level of it."""

    case: str  # Splink's case statement, `CASE ... END as <gamma>`
    gamma: str  # the level's column, `gamma_forename`
    columns: tuple[str, ...]  # the features it reads, each as `<name>_l` and `<name>_r`


def level_sql(model: dict[str, Any], output_column: str) -> LevelSql:
    """The SQL giving a pair's level of one comparison of this (stored) model: the model that
    scored a run, not this module's current comparisons."""
    parsed = SettingsCreator.from_path_or_dict(copy.deepcopy(model)).get_settings("duckdb")
    (comparison,) = (c for c in parsed.comparisons if c.output_column_name == output_column)
    columns = tuple(
        dict.fromkeys(c.unquote().name for c in comparison._input_columns_used_by_case_statement)
    )
    return LevelSql(comparison._case_statement, comparison._gamma_column_name, columns)


def _identifier(column: str, label: str) -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=f"{label} equal, equal but contradicted, or different",
        comparison_levels=[
            cll.NullLevel(column),
            cll.CustomLevel(
                f"{column}_l = {column}_r AND NOT ({CONFLICT})",
                label_for_charts=f"{label} equal",
            ),
            cll.CustomLevel(
                f"{column}_l = {column}_r", label_for_charts=f"{label} equal, DOB or sex differ"
            ),
            cll.ElseLevel().configure(label_for_charts=f"{label} differ"),
        ],
    )


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """The person comparisons, each on the features `person_features.py` derives."""
    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("fn"),
            cll.ExactMatchLevel("fn", term_frequency_adjustments=True),
            cll.CustomLevel(_REVERSED, label_for_charts="Forename and surname swapped"),
            cll.CustomLevel(
                _REVERSED_FUZZY, label_for_charts="Forename and surname swapped, with a typo"
            ),
            cll.CustomLevel("list_has_any(fn_forms_l, fn_forms_r)", label_for_charts="Nickname"),
            cll.CustomLevel(
                "(length(fn_l) = 1 OR length(fn_r) = 1) AND fn_initial_l = fn_initial_r",
                label_for_charts="Initial agrees",
            ),
            cll.CustomLevel(
                "least(length(fn_l), length(fn_r)) >= 2 "
                "AND (starts_with(fn_l, fn_r) OR starts_with(fn_r, fn_l))",
                label_for_charts="One is a short form of the other",
            ),
            cll.JaroWinklerLevel("fn", 0.9),
            cll.JaroWinklerLevel("fn", 0.75),
            cll.ElseLevel(),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("sn"),
            cll.ExactMatchLevel("sn", term_frequency_adjustments=True),
            # The forename comparison already counts a swap; counted twice it would join two
            # people on their names alone, so here it weighs nothing.
            cll.CustomLevel(
                f"({_REVERSED}) OR ({_REVERSED_FUZZY})",
                label_for_charts="Forename and surname swapped (counted under forename)",
            ).configure(
                m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True
            ),
            cll.CustomLevel(
                "list_has_any(sn_parts_l, sn_parts_r)",
                label_for_charts="Shares a part of a double or hyphenated surname",
            ),
            cll.JaroWinklerLevel("sn", 0.92),
            cll.JaroWinklerLevel("sn", 0.8),
            cll.ElseLevel(),
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel("dob_l = dob_swapped_r", label_for_charts="Day and month transposed"),
            cll.CustomLevel(
                "dob_md_l = dob_md_r AND abs(yob_l - yob_r) = 1", label_for_charts="Year off by one"
            ),
            cll.CustomLevel(
                "yob_l = yob_r AND (substr(dob_md_l, 1, 2) = substr(dob_md_r, 1, 2) "
                "OR substr(dob_md_l, 4, 2) = substr(dob_md_r, 4, 2))",
                label_for_charts="Same year, day or month agrees",
            ),
            cll.ElseLevel(),
        ],
    )
    gender = cl.CustomComparison(
        output_column_name="gender",
        comparison_levels=[cll.NullLevel("gender"), cll.ExactMatchLevel("gender"), cll.ElseLevel()],
    )
    # A caller or a fire's occupier has no home postcode, only where they reported from: it
    # says nothing (the null level) unless it is a place the other record ties them to, for a
    # caller often their own front door.
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.CustomLevel(
                "(postcode_l IS NULL OR postcode_r IS NULL) "
                f"AND NOT coalesce({_SHARED_PLACE}, false)",
                label_for_charts="Postcode missing, and no place in common",
            ).configure(is_null_level=True),
            cll.CustomLevel(_SHARED_PLACE, label_for_charts=PLACE_IN_COMMON),
            cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
            cll.ExactMatchLevel("sector"),
            cll.ExactMatchLevel("outcode"),
            cll.CustomLevel(_POSTCODE_SLIP, label_for_charts=POSTCODE_SLIP),
            cll.ElseLevel(),
        ],
    )
    phone = cl.CustomComparison(
        output_column_name="phone",
        comparison_levels=[cll.NullLevel("phone"), cll.ExactMatchLevel("phone"), cll.ElseLevel()],
    )
    return [
        forename,
        surname,
        dob,
        gender,
        postcode,
        phone,
        _identifier("pnc_id", "PNC ID"),
        _identifier("crn", "CRN"),
        _identifier("ni_number", "NI number"),
    ]


def blocking_rules() -> list[BlockingRuleCreator | dict[str, Any]]:
    """Candidate pairs: chosen from measured misses so true pairs survive to scoring.

    A rule with "either date of birth missing" is written as two, one per side, so the
    missing date filters that side before the join: at 1M records the join on surname and
    two letters alone made 26 M candidates to filter, and blocking took 30–37 s instead of 46 s
    (docs/linkage.md). A forename's nicknames with the date of birth is not a rule: at 1M
    records it blocked 8.2 M pairs, of which only 6,314 true ones no other rule found (a
    nickname with another surname and district), for about 4 s of the prediction.
    """
    return [
        block_on("pnc_id"),
        block_on("crn"),
        block_on("ni_number"),
        block_on("sn", "dob"),
        block_on("dob", "outcode"),
        block_on("sn", "fn_initial", "yob"),
        # Callers and victims often have no date of birth: a typed or short forename with
        # the surname is all there is to go on.
        *_either_dob_missing("l.sn = r.sn AND substr(l.fn, 1, 2) = substr(r.fn, 1, 2)"),
        block_on("dob", "fn_initial"),
        CustomRule("l.dob = r.dob_swapped AND l.fn_initial = r.fn_initial"),
        CustomRule("l.fn = r.sn AND l.sn = r.fn"),
        block_on("fn", "postcode"),
        block_on("sn", "postcode"),
        # A mistyped surname without a date of birth (with one, a date rule finds the pair).
        *_either_dob_missing("l.fn = r.fn AND substr(l.sn, 1, 3) = substr(r.sn, 1, 3)"),
        block_on("phone"),
    ]


def _either_dob_missing(join: str) -> list[BlockingRuleCreator]:
    """`join` where the left record lacks a date of birth, then where the right one does:
    together every pair where either does, each filter applied to one side before joining."""
    return [CustomRule(f"{join} AND {side}.dob IS NULL") for side in ("l", "r")]


def settings() -> SettingsCreator:
    """Splink settings for deduplicating person records across every source."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


# The prior: the pairs deterministic rules find, at an assumed recall. Records with no PNC ID
# and no date of birth (a list of names and addresses) find none there, and a prior of zero
# ends training (Splink takes its logarithm): the next rules are tried, then DEFAULT_PRIOR.
_PRIOR_RULES: tuple[tuple[list[str | BlockingRuleCreator], float], ...] = (
    (["l.pnc_id = r.pnc_id", block_on("fn", "sn", "dob")], 0.8),
    ([block_on("fn", "sn", "postcode")], 0.8),
    ([block_on("fn", "sn")], 0.8),
)
DEFAULT_PRIOR = 0.0001  # Splink's own default

# Expectation maximisation estimates every comparison but those its blocking rule fixes, so
# each session is trained in one of two. A session whose rule finds no pair in these records
# (no postcodes at all: another country's fail the postcode type) takes its next rule.
_EM_SESSIONS: tuple[tuple[BlockingRuleCreator, ...], ...] = (
    (block_on("fn", "sn"), block_on("sn")),
    (block_on("dob", "outcode"), block_on("dob"), block_on("postcode")),
)


def _sql(rule: str | BlockingRuleCreator) -> str:
    return rule if isinstance(rule, str) else rule.get_blocking_rule("duckdb").blocking_rule_sql


def train(
    linker_for: Callable[[Any], Linker], seed: int, u_max_pairs: float, em_max_pairs: float
) -> tuple[Linker, list[str]]:
    """Unsupervised training as Splink's documentation recommends: the trained linker, and
    what fell back because these records have no pair for a rule.

    The prior from deterministic rules, u by random sampling, then m by expectation
    maximisation on two blocking rules so that each comparison is trained in one of them, each
    on at most `em_max_pairs` of the pairs its rule blocks (Splink samples records to that).
    """
    fallbacks: list[str] = []
    linker = linker_for(settings())
    for rules, recall in _PRIOR_RULES:
        linker.training.estimate_probability_two_random_records_match(rules, recall=recall)
        if linker.misc.save_model_to_json()["probability_two_random_records_match"] > 0:
            break
        fallbacks.append(f"no pairs for the prior where {' OR '.join(map(_sql, rules))}")
    else:
        model = linker.misc.save_model_to_json()
        model["probability_two_random_records_match"] = DEFAULT_PRIOR
        linker = linker_for(model)
        fallbacks.append(f"the prior takes its documented default, {DEFAULT_PRIOR}")
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    for session in _EM_SESSIONS:
        for rule in session:
            before = linker.misc.save_model_to_json()
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True, max_pairs=em_max_pairs
                )
            except EMTrainingException:
                # The refused session has already set the linker's prior to its own starting
                # value (0.01 on FEBRL's records, against 5e-05): go on from the model before it.
                linker = linker_for(before)
                fallbacks.append(f"no pairs to train on where {_sql(rule)}")
                continue
            break
    return linker, fallbacks


def fill_untrained(model: dict[str, Any], u_pairs: float) -> list[str]:
    """Give every level training could not estimate a value; returns their names.

    Splink leaves such levels without `m_probability`/`u_probability` in the model JSON and
    would otherwise fall back to values that can even exceed 1. A level expectation
    maximisation found among matches but no random pair fell in is rarer among non-matches
    than one in the `u_pairs` sampled: its u is that bound (at 1M people no random pair had
    forename and surname swapped, and the documented default, 0.01, made a swap count for
    almost nothing). Every other gap takes a documented default.
    """
    filled: list[str] = []
    for comparison in model["comparisons"]:
        column = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        gaps: list[str] = []
        for position, level in enumerate(levels):
            band = (
                "exact" if position == 0 else "else" if position == len(levels) - 1 else "partial"
            )
            seen = level.get("m_probability") is not None
            for name, defaults in (("m_probability", DEFAULT_M), ("u_probability", DEFAULT_U)):
                if level.get(name) is not None:
                    continue
                bounded = name == "u_probability" and seen
                level[name] = 1 / u_pairs if bounded else defaults[band]
                gaps.append(
                    f"{column}: {level['label_for_charts']} "
                    f"({name.split('_')[0]}{', at most 1 in the pairs sampled' if bounded else ''})"
                )
        # A column these records never fill leaves every level untrained: one entry says so.
        filled.extend(
            [f"{column}: every level (m and u)"] if len(gaps) == 2 * len(levels) else gaps
        )
    return filled

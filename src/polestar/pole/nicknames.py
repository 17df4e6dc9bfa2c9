"""Nicknames and short forms: which formal forenames a given forename may stand for.

Built from the curated English sets of the `nicknames` package, which are American, and the
British, Irish, Welsh, Scottish and South Asian forms a force's records hold that it lacks
(`_BRITISH`). Keys are match keys (`names.match_key`): upper case, letters only.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from nicknames import name_triplets

from polestar.pole.names import match_key

# Short forms and spellings common in British records that the package does not know: on the
# demo `mo khan` ranked Mae Khan above Mohammed Khan. Form → the formal names it stands for.
_BRITISH = {
    "MO": ("MOHAMMED", "MAUREEN", "MAURICE", "MORRIS"),
    **dict.fromkeys(
        ("MOHAMED", "MOHAMMAD", "MOHAMAD", "MUHAMMAD", "MUHAMMED", "MOHD"), ("MOHAMMED",)
    ),
    **dict.fromkeys(("SEAN", "SHAUN", "SHAWN", "EOIN", "IFAN", "SION"), ("JOHN",)),
    **dict.fromkeys(("DAI", "DAFYDD", "DEWI"), ("DAVID",)),
    **dict.fromkeys(("SIAN", "SIONED"), ("JANE",)),
    **dict.fromkeys(("ALF", "ALFIE"), ("ALFRED",)),
    "LIAM": ("WILLIAM",),
    "HAMISH": ("JAMES",),
    "GAZ": ("GARY", "GARETH"),
    "BAZ": ("BARRY",),
    "DAZ": ("DARREN",),
    "KAZ": ("KAREN",),
    "SHAZ": ("SHARON",),
    "TEL": ("TERENCE",),
    "DEL": ("DEREK",),
    "BEX": ("REBECCA",),
    "KAT": ("KATHERINE", "KATHRYN"),
    "JAZ": ("JASMINE",),
    "NIK": ("NICHOLAS", "NICOLA"),
    # The package lacks these too: on the demo `izzy magalhaes` found nobody (IZZY was only
    # Isidore), and `mel` was Melissa or Amelia but never Melanie.
    **dict.fromkeys(("IZZY", "IZZIE", "ISSY"), ("ISABEL", "ISABELLA", "ISABELLE", "ISOBEL")),
    "DEBS": ("DEBORAH", "DEBRA"),
    "MEL": ("MELANIE",),
    **dict.fromkeys(("MAGS", "MAISIE"), ("MARGARET",)),
    "CHARLIE": ("CHARLOTTE",),
    "GEORGIE": ("GEORGINA", "GEORGIA"),
    "GINA": ("GEORGINA",),
    **dict.fromkeys(("GILL", "JILL"), ("GILLIAN",)),
    **dict.fromkeys(("LEXI", "LEXIE"), ("ALEXANDRA",)),
    "LIV": ("OLIVIA",),
    "OLLY": ("OLIVER",),
    "LULU": ("LOUISE",),
    **dict.fromkeys(("MILLIE", "MILLY"), ("AMELIA", "MILLICENT")),
    **dict.fromkeys(("NICKY", "NIKKI"), ("NICOLA",)),
    **dict.fromkeys(("PIP", "PIPPA"), ("PHILIPPA",)),
    **dict.fromkeys(("ROBBIE", "RAB"), ("ROBERT",)),
    **dict.fromkeys(("SUZY", "SUKIE"), ("SUSAN", "SUZANNE")),
    **dict.fromkeys(("ALBIE", "BERTIE"), ("ALBERT",)),
    "WILF": ("WILFRED",),
    "STAN": ("STANLEY",),
    "TEZ": ("TERENCE",),
    "GED": ("GERARD",),
    **dict.fromkeys(("ROS", "ROZ"), ("ROSALIND",)),
    **dict.fromkeys(("NESS", "NESSA"), ("VANESSA",)),
    "EVIE": ("EVELYN",),
    "GRACIE": ("GRACE",),
    "TAM": ("THOMAS",),
    **dict.fromkeys(("KIRSTY", "KIRSTIE"), ("CHRISTINE", "CHRISTINA")),
    **dict.fromkeys(("DOUGIE", "DUGGIE"), ("DOUGLAS",)),
    **dict.fromkeys(("SEAMUS", "SHAMUS"), ("JAMES",)),
    "SIOBHAN": ("JOAN",),
    "HUW": ("HUGH",),
}


@lru_cache(maxsize=1)
def formal_forms() -> dict[str, frozenset[str]]:
    """Each known forename's formal forms: `BILL` → {WILLIAM, …}; a formal name → itself."""
    forms: dict[str, set[str]] = {}
    pairs = [(match_key(t.name1), match_key(t.name2)) for t in name_triplets()]
    pairs += [(formal, form) for form, formals in _BRITISH.items() for formal in formals]
    for formal, nickname in pairs:
        if formal and nickname:
            forms.setdefault(nickname, set()).add(formal)
            forms.setdefault(formal, set()).add(formal)
    return {name: frozenset(values) for name, values in forms.items()}


def name_form_pairs() -> Iterator[tuple[str, str]]:
    """(forename key, formal form key) rows, for joining in SQL."""
    for name, forms in sorted(formal_forms().items()):
        for form in sorted(forms):
            yield name, form

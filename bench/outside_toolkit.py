"""The Python Record Linkage Toolkit on FEBRL's files, as its documentation's examples link them.

Run by bench/outside.py in an environment of its own (the toolkit brings pandas and
scikit-learn, which Polestar does not use): `python outside_toolkit.py FILE.csv...` prints one
JSON object, `{"candidates": [[id, id], ...], "rules": [...], "ecm": [...]}`: the pairs
compared, and those each classifier matched.
Ids are `file stem/rec_id`, as bench/outside.py names records.

The records of every file form one frame, deduplicated, as Polestar and plain Splink see them.
Candidate pairs: records sharing a given name, a surname or a date of birth (the documentation
blocks on given name alone; the union loses fewer true pairs). Comparisons are the
documentation's FEBRL example's: given name and surname by Jaro-Winkler at 0.85, date of birth,
suburb and state exactly, the first address line by Jaro-Winkler at 0.85, each 1 or 0. Two
classifiers: the example's rule (more than 3 of the 6 agree) and the unsupervised
Expectation/Conditional Maximisation classifier (`ECMClassifier`, Fellegi–Sunter), which,
like Splink's training, needs no labels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import recordlinkage


def _frame(paths: list[Path]) -> pd.DataFrame:
    frames = []
    for path in paths:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True).fillna("")
        frame.columns = [column.strip() for column in frame.columns]
        frame = frame.apply(lambda column: column.str.strip())
        frame.index = [f"{path.stem}/{rec_id}" for rec_id in frame["rec_id"]]
        frames.append(frame)
    return pd.concat(frames)


def _pairs(index: pd.MultiIndex) -> list[list[str]]:
    return [[str(first), str(second)] for first, second in index]


def main() -> None:
    people = _frame([Path(argument) for argument in sys.argv[1:]])
    people = people.replace("", None)
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    candidates = indexer.index(people)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("suburb", "suburb")
    compare.exact("state", "state")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    features = compare.compute(candidates, people)
    rules = features[features.sum(axis=1) > 3].index
    ecm = recordlinkage.ECMClassifier().fit_predict(features)
    json.dump(
        {"candidates": _pairs(candidates), "rules": _pairs(rules), "ecm": _pairs(ecm)}, sys.stdout
    )


if __name__ == "__main__":
    main()

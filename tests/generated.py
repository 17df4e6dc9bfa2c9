"""Generated counties and person models shared by every module and worker of a test run.

Many modules want the same county (`polestar generate` is deterministic from its people and
seed) and a person model trained on it, which takes seconds; under xdist each worker would
otherwise make its own, and a module whose tests are spread over workers makes one per
worker. These are made once per run, under a lock, in the folder the workers share, and are
read-only: a test that changes a county copies it first.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from polestar.synth import generate
from tests.linkage.models import train_person_model


def _shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's folder every worker sees (xdist gives each worker a folder inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if "PYTEST_XDIST_WORKER" in os.environ else base


@contextmanager
def _alone(path: Path) -> Iterator[None]:
    with path.with_name(path.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def made_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """The folder `name`, filled by `make` once per run, whichever worker asks first."""
    folder = _shared(tmp_path_factory) / name
    done = folder.with_name(name + ".complete")
    with _alone(folder):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            make(folder)
            done.touch()
    return folder


def county(tmp_path_factory: pytest.TempPathFactory, people: int, seed: int) -> Path:
    """The exports (and truth.csv) of the county `polestar generate` makes of `people` and
    `seed`."""

    def make(folder: Path) -> None:
        generate(folder, people=people, seed=seed, workers=1)

    return made_once(tmp_path_factory, f"county-{people}-{seed}", make)


def person_model(tmp_path_factory: pytest.TempPathFactory, *inputs: Path) -> dict[str, Any]:
    """The person model a first `polestar link` trains on `inputs` (folders made here)."""

    def train(folder: Path) -> None:
        model = train_person_model(list(inputs), folder / "store")
        (folder / "model.json").write_text(json.dumps(model), encoding="utf-8")

    root = _shared(tmp_path_factory)
    name = "model-" + "-".join(str(path.relative_to(root)).replace("/", "-") for path in inputs)
    folder = made_once(tmp_path_factory, name, train)
    model: dict[str, Any] = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    return model

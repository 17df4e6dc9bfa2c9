"""Writing the whole county: blocks made in worker processes, copied to the files in order.

Blocks are independent (plan.py), so a pool of workers can make them in any order while this
process writes their output strictly in block order: the files are the same bytes whatever the
number of workers, and only a few blocks are ever in memory at once.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from polestar import processes
from polestar.errors import InvalidInput
from polestar.synth import geojson, plan, truth
from polestar.synth.block import Block, BlockResult
from polestar.synth.exports import FOOTERS, HEADERS, WRITERS
from polestar.synth.geography import Geography
from polestar.synth.names import group_pools

logger = logging.getLogger(__name__)

RECORD_KINDS = ("person", "vehicle", "location", "event", "phone", "weapon")

# Set in each worker by `_start_worker`: (seed, people, geography).
_worker: tuple[int, int, Geography] | None = None


def _start_worker(seed: int, people: int, geo: Geography | None = None) -> None:
    """Build what every block of this county shares, once per process."""
    global _worker
    group_pools()
    _worker = (seed, people, geo or Geography(seed, plan.address_count(people)))


def _make_block(index: int) -> BlockResult:
    """Make block `index` and return its text per file and its counts."""
    assert _worker is not None, "worker not started"
    seed, people, geo = _worker
    block = Block.build(seed, people, index, geo)
    for write in WRITERS:
        write(block)
    texts = {name: buffer.getvalue() for name, buffer in block.texts.items()}
    texts[truth.FILE] = block.truth.buffer.getvalue()
    return BlockResult(texts, dict(block.truth.counts))


def _results(seed: int, people: int, workers: int, geo: Geography) -> Iterator[BlockResult]:
    """Each block's result, in block order.

    An executor rather than `multiprocessing.Pool`: a worker that dies (killed, or crashed)
    fails the run with `BrokenProcessPool` where a pool would wait for its block for ever.
    """
    blocks = plan.block_count(people)
    if workers <= 1 or blocks == 1:
        _start_worker(seed, people, geo)
        yield from map(_make_block, range(blocks))
        return
    executor = ProcessPoolExecutor(
        min(workers, blocks),
        mp_context=processes.worker_context(["__main__", __name__]),
        initializer=_start_worker,
        initargs=(seed, people),
    )
    try:
        yield from executor.map(_make_block, range(blocks))
    finally:
        executor.shutdown(cancel_futures=True)


def generate(out: Path, people: int, seed: int, workers: int | None = None) -> dict[str, int]:
    """Write the county's files into `out`; see `polestar.synth.generate`."""
    if people < 1:
        raise InvalidInput(f"--people must be at least 1, not {people}")
    workers = workers or os.cpu_count() or 1
    out.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter(dict.fromkeys(RECORD_KINDS, 0))
    names = [*HEADERS, truth.FILE]
    blocks = plan.block_count(people)
    geo = Geography(seed, plan.address_count(people))
    with ExitStack() as stack:
        files: dict[str, IO[str]] = {
            name: stack.enter_context((out / name).open("w", encoding="utf-8", newline=""))
            for name in names
        }
        for name, header in HEADERS.items():
            files[name].write(header)
            counts[f"file:{name}"] += 0
        files[truth.FILE].write(",".join(truth.COLUMNS) + "\n")
        for done, result in enumerate(_results(seed, people, workers, geo), start=1):
            for name, text in result.texts.items():
                files[name].write(text)
            counts.update(result.counts)
            logger.info("synthetic county: block %d of %d written", done, blocks)
        for name, footer in FOOTERS.items():
            files[name].write(footer)
    counts[f"file:{geojson.FILE}"] = geojson.write(out / geojson.FILE, geo)
    return dict(counts)

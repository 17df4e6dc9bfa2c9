"""The synthetic county generator: people, places, events, the six source exports, ground truth.

`generate` writes the files listed in CONVENTIONS.md ("The synthetic county's files") in the
shapes of docs/sources.md; docs/synth.md describes what is in them and how often records err.
"""

from __future__ import annotations

from pathlib import Path

from polestar.synth import county


def generate(out: Path, people: int, seed: int, workers: int | None = None) -> dict[str, int]:
    """Write the county's files into `out`.

    Args:
        out: The folder to write into (created if missing; files in it are overwritten).
        people: The number of true identities; each appears in about 3 person records.
        seed: Same seed, same bytes in every file, whatever `workers` is.
        workers: Processes to make blocks in; default one per CPU.

    Returns:
        Record counts per kind — `person`, `vehicle`, `location`, `event`, `phone`, `weapon` —
        and rows per file under `file:<name>` (lines, `<case>` elements or map features).

    Raises:
        InvalidInput: If `people` is less than 1.

    When the calling process runs other threads, workers start from a fresh interpreter
    (multiprocessing's forkserver), which imports the calling script again: call this under
    `if __name__ == "__main__":`, as multiprocessing requires.
    """
    return county.generate(out, people, seed, workers)


__all__ = ["generate"]

"""The ingest pipeline: read → map → validate → upsert, chunk by chunk, quarantining what fails.

Later stages (incremental linkage, search refresh) are not imported here: the caller passes
`on_chunk_committed`, called with the ids of the source records each committed chunk stored
(ARCHITECTURE.md premise 4).
"""

from __future__ import annotations

import fnmatch
import gc
import logging
import multiprocessing
import os
import pickle
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from polestar import audit, processes
from polestar.errors import InvalidInput, UnreadableInput
from polestar.settings import Settings
from polestar.sources.engine import Mapper, RecordRejected, mapping_digest
from polestar.sources.mapping import Mapping, builtin_mappings
from polestar.sources.readers import KEEP_BYTES, RawRecord, read_records
from polestar.store import quarantine as quarantine_store
from polestar.store.records import (
    ChunkResult,
    Landing,
    Rejection,
    WarnedField,
    withdraw_absent,
    write_chunk,
)
from polestar.store.runs import finish_run, start_run

logger = logging.getLogger(__name__)

NEVER_INGESTED = frozenset({"truth.csv", "county.geojson"})
ChunkHook = Callable[[list[int]], None]


@dataclass
class SourceCounts:
    """CONVENTIONS.md's counts: read = new + changed + unchanged + quarantined + suppressed."""

    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    remapped: int = 0  # of `unchanged`: mapped to other rows than they hold
    quarantined: int = 0
    suppressed: int = 0
    withdrawn: int = 0

    def add(self, other: SourceCounts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class IngestReport:
    """What a run did: counts per source and in total, files skipped and files refused."""

    run_id: int
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    rows_written: int = 0
    # (source, kind, field) → values stored raw because they failed their type
    warned: dict[tuple[str, str, str], WarnedField] = field(default_factory=dict)

    @property
    def total(self) -> SourceCounts:
        total = SourceCounts()
        for counts in self.sources.values():
            total.add(counts)
        return total

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total.as_dict(),
            "sources": {name: counts.as_dict() for name, counts in self.sources.items()},
            "skipped": self.skipped,
            "unreadable": self.unreadable,
        }


@dataclass(frozen=True)
class Input:
    """One file and the mapping that reads it."""

    path: Path
    mapping: Mapping


@dataclass(frozen=True)
class Plan:
    """What a run will read, and the files it skips."""

    inputs: list[Input]
    skipped: list[str]


def plan_inputs(
    paths: Sequence[Path],
    mapping: Mapping | None = None,
    source: str | None = None,
    warn: Callable[[str], None] = logger.warning,
) -> Plan:
    """Match each file (folders are expanded) to its mapping.

    With `mapping`, every named file is read with it; folders contribute the files its
    `files` globs match. Without, files are matched to the built-in mappings by name, and
    files that match none are skipped with a warning (truth.csv silently: it is never data).

    Returns:
        The inputs in a stable order, and the names of the files skipped.

    Raises:
        InvalidInput: a path that does not exist, or `source` without `mapping`.
    """
    if source is not None and mapping is None:
        raise InvalidInput("--source names the records of a --mapping: give --mapping too")
    mappings = [mapping.named(source) if source else mapping] if mapping else builtin_mappings()
    inputs: list[Input] = []
    skipped: list[str] = []
    for path in paths:
        if not path.exists():
            raise InvalidInput(f"{path} does not exist")
        explicit = path.is_file()
        files = [path] if explicit else sorted(p for p in path.iterdir() if p.is_file())
        for file in files:
            if file.name in NEVER_INGESTED:
                continue
            chosen = next((m for m in mappings if _matches(m, file.name)), None)
            if chosen is None and mapping is not None and explicit:
                chosen = mappings[0]
            if chosen is None:
                skipped.append(str(file))
                warn(f"skipped {file}: it matches no known export (use --mapping)")
                continue
            inputs.append(Input(file, chosen))
    return Plan(inputs, skipped)


def _matches(mapping: Mapping, name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in mapping.files)


def _chunks(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    chunk: list[RawRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepare(
    mapper: Mapper, file: str, chunk: Sequence[RawRecord]
) -> tuple[list[Landing], list[Rejection]]:
    landings: list[Landing] = []
    rejections: list[Rejection] = []
    for raw in chunk:
        if raw.data is None:
            rejections.append(
                Rejection(file, raw.locator, raw.error or "unreadable", raw.text, raw.size, raw.key)
            )
            continue
        try:
            mapped = mapper.map(raw.data)
        except RecordRejected as exc:
            rejections.append(
                Rejection(file, raw.locator, str(exc), raw.text, raw.size, mapper.key_of(raw.data))
            )
            continue
        text = quarantine_store.canonical_text(raw.data)
        landings.append(
            Landing(
                mapped.key,
                quarantine_store.content_hash(text),
                raw.data,
                file,
                raw.locator,
                mapped,
            )
        )
    return landings, rejections


def _file_rejection(path: Path, reason: str) -> Rejection:
    with path.open("rb") as handle:
        head = handle.read(KEEP_BYTES).decode("utf-8", "replace")
    return Rejection(str(path), "file", reason, head, path.stat().st_size)


def ingest(
    engine: Engine,
    plan: Plan,
    settings: Settings,
    *,
    actor: str,
    snapshot: bool = False,
    on_chunk_committed: ChunkHook | None = None,
    on_progress: Callable[[int], None] | None = None,
    warn: Callable[[str], None] = logger.warning,
) -> IngestReport:
    """Ingest `inputs` into the store as one run.

    Args:
        engine: the store.
        plan: files with their mappings (see `plan_inputs`).
        settings: chunk size and field-size limit.
        actor: who runs it (`cli:<os user>`), for the run's record.
        snapshot: treat each source's files as its full export: records absent from them are
            marked withdrawn, never deleted.
        on_chunk_committed: called after each chunk commits, with the stored record ids.
        on_progress: called with the bytes of each record read, for a progress bar.
        warn: hears about guessed encodings and similar.
    """
    run_id = start_run(engine, "ingest", actor)
    report = IngestReport(run_id, skipped=plan.skipped)
    refused_sources: set[str] = set()
    try:
        for item in plan.inputs:
            counts = report.sources.setdefault(item.mapping.source, SourceCounts())
            try:
                _ingest_file(
                    engine,
                    run_id,
                    item,
                    settings,
                    counts,
                    report,
                    on_chunk_committed,
                    on_progress,
                    warn,
                )
            except UnreadableInput as exc:
                # The file is one quarantined record: counted, so the report shows it.
                counts.read += 1
                counts.quarantined += 1
                refused_sources.add(item.mapping.source)
                report.unreadable.append(exc.message)
                rejection = _file_rejection(item.path, exc.message)
                with engine.begin() as conn:
                    quarantine_store.add(conn, run_id, item.mapping.source, [rejection])
        if snapshot:
            for source, counts in report.sources.items():
                if source in refused_sources:
                    warn(f"{source}: not withdrawing records, because a file could not be read")
                    continue
                with engine.begin() as conn:
                    counts.withdrawn = withdraw_absent(conn, run_id, source)
    except BaseException:
        finish_run(engine, run_id, "failed", report.as_dict())
        _record_collection(engine, plan, report, "failed", actor, settings)
        raise
    finish_run(engine, run_id, "completed", report.as_dict())
    _record_collection(engine, plan, report, "completed", actor, settings)
    return report


def _record_collection(
    engine: Engine, plan: Plan, report: IngestReport, status: str, actor: str, settings: Settings
) -> None:
    """One audit entry per run, even when nothing changed (CONVENTIONS.md): it names the run,
    which every record it stored carries, so the entry need not list them."""
    counts = report.as_dict()
    audit.record(
        engine,
        audit.Collection(
            action="ingest",
            actor=actor,
            run_id=report.run_id,
            details={
                "status": status,
                "files": [str(item.path) for item in plan.inputs],
                "total": counts["total"],
                "sources": counts["sources"],
            },
        ),
        settings,
    )


def _ingest_file(
    engine: Engine,
    run_id: int,
    item: Input,
    settings: Settings,
    counts: SourceCounts,
    report: IngestReport,
    on_chunk_committed: ChunkHook | None,
    on_progress: Callable[[int], None] | None,
    warn: Callable[[str], None],
) -> None:
    digest = mapping_digest(item.mapping)
    with _few_collections():
        for chunk in _mapped_chunks(item, settings, warn):
            with engine.begin() as conn:
                result = write_chunk(
                    conn, run_id, item.mapping.source, chunk.landings, chunk.rejections, digest
                )
            _count(counts, result, chunk.read)
            for (kind, name), warned in result.warned.items():
                key = (item.mapping.source, kind, name)
                report.warned.setdefault(key, WarnedField(0, warned.example)).count += warned.count
            report.rows_written += result.rows_written
            if on_chunk_committed is not None and result.record_ids:
                on_chunk_committed(result.record_ids)
            if on_progress is not None:
                on_progress(chunk.size)


@contextmanager
def _few_collections() -> Iterator[None]:
    """Far fewer cyclic garbage collections while a file is ingested (here and in its child).

    Reading, mapping and writing make millions of short-lived objects that reference counting
    frees (they form no cycles); at Python's default threshold a collection runs every 700
    allocations and scans every object still alive, which took about a third of the time.
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True)
class _MappedChunk:
    """One chunk of a file, read and mapped: what the writer needs of it."""

    read: int
    size: int  # bytes, for the progress bar
    landings: list[Landing]
    rejections: list[Rejection]


def _mapped_chunks(
    item: Input, settings: Settings, warn: Callable[[str], None]
) -> Iterator[_MappedChunk]:
    """The file's chunks, read and mapped, in order.

    Reading and mapping cost about as much as writing, so a big file is read and mapped in a
    child process while this one writes (a pipeline of two; chunks still commit in order, one
    transaction each), when there is more than one CPU to run them on.
    """
    # The child only reads the file and writes to its queue: a progress bar's thread is no risk.
    forkable = _SEVERAL_CPUS and processes.fork_is_safe(threads_allowed=True)
    if not (forkable and _worth_a_process(item.path.stat().st_size, settings)):
        yield from _read_and_map(item, settings, warn)
        return
    context = multiprocessing.get_context("fork")
    channel: multiprocessing.Queue[tuple[str, Any]] = context.Queue(maxsize=4)
    child = context.Process(target=_feed, args=(item, settings, channel), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"the process reading {item.path.name} died ({child.exitcode})"
                    ) from None
                continue
            if kind == "chunk":
                yield payload
            elif kind == "warn":
                warn(payload)
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        if child.is_alive():
            child.kill()
        child.join()


def _worth_a_process(size: int, settings: Settings) -> bool:
    """Whether a file of `size` bytes holds enough chunks for a pipeline to overlap: about
    eight, counting a short CSV row (256 bytes) a record."""
    return size >= 8 * settings.ingest_chunk_records * 256


_SEVERAL_CPUS = (os.cpu_count() or 1) > 1


def _read_and_map(
    item: Input, settings: Settings, warn: Callable[[str], None]
) -> Iterator[_MappedChunk]:
    mapper = Mapper(item.mapping)
    file = str(item.path)
    records = read_records(item.path, item.mapping, settings.max_field_bytes, warn)
    for chunk in _chunks(records, settings.ingest_chunk_records):
        landings, rejections = _prepare(mapper, file, chunk)
        yield _MappedChunk(len(chunk), sum(raw.size + 1 for raw in chunk), landings, rejections)


def _feed(item: Input, settings: Settings, channel: multiprocessing.Queue[tuple[str, Any]]) -> None:
    """The child process of `_mapped_chunks`: sends chunks, warnings, then `done` or the error
    that stopped it. It exits by itself when the parent is gone (killed, say), wherever it is
    blocked: sending, or flushing the channel on its way out."""
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()

    def send(kind: str, payload: Any) -> None:
        channel.put((kind, payload))

    try:
        for chunk in _read_and_map(item, settings, lambda message: send("warn", message)):
            send("chunk", chunk)
        send("done", None)
    except BaseException as exc:
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        exc.add_note("".join(traceback.format_exception(exc)))
        send("error", exc)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _count(counts: SourceCounts, result: ChunkResult, read: int) -> None:
    counts.read += read
    counts.new += result.new
    counts.changed += result.changed
    counts.unchanged += result.unchanged
    counts.remapped += result.remapped
    counts.quarantined += result.quarantined
    counts.suppressed += result.suppressed

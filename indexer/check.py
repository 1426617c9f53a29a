"""`newsdesk check`: read every segment of the live index and compare it with the manifest.

Every byte of every segment file is compared with the size and SHA-1 recorded when it was
written, and every posting (with its positions) and stored field is decoded: damage is
named by file, with what to run."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from whoosh.index import TOC
from whoosh.reading import SegmentReader

from .durable import damaged_files
from .manifest import Manifest
from .store import IndexDir

REPAIR = "run newsdesk index PATH... to drop it and parse its articles' files again"
# An ordinary run compares sizes only; a changed byte is found by hashing.
REPAIR_CHANGED = "run newsdesk index --verify PATH... to drop it and parse its articles' files again"


@dataclass
class CheckReport:
    articles: int = 0
    segments: int = 0
    generation: int = -1
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_postings(leaf) -> None:
    for fieldname in leaf.indexed_field_names():
        kind = "positions" if leaf.schema[fieldname].format.supports("positions") else None
        for term in leaf.lexicon(fieldname):
            matcher = leaf.postings(fieldname, term)
            if kind:
                for _ in matcher.items_as(kind):
                    pass
            else:
                matcher.all_ids()


def check_index(index_dir: IndexDir) -> CheckReport:
    report = CheckReport()
    ix = index_dir.open(verify=False)  # damage is what this reports, file by file
    gen = index_dir.current()
    report.generation = ix.latest_generation()
    newest = TOC._latest_generation(ix.storage, ix.indexname)
    if newest != report.generation:
        report.problems.append(f"newest commit (generation {newest}) is unreadable; serving generation "
                               f"{report.generation}: run newsdesk index to repair")
    segments = ix._read_toc().segments
    cut_short = {path for path, _ in damaged_files(gen, segments, full=False)}
    for path, what in damaged_files(gen, segments, full=True):
        repair = REPAIR if path in cut_short else REPAIR_CHANGED
        report.problems.append(f"{path} is damaged ({what}): {repair}")
    per_source: Counter[str] = Counter()
    ids: Counter[str] = Counter()
    for segment in segments:
        report.segments += 1
        name = gen / f"{segment.segment_id()}.seg"
        try:
            leaf = SegmentReader(ix.storage, ix.schema, segment)
            try:
                _read_postings(leaf)
                for docnum, stored in leaf.iter_docs():
                    per_source[stored.get("source", "")] += 1
                    ids[stored.get("id", "")] += 1
                report.articles += leaf.doc_count()
            finally:
                leaf.close()
        except Exception as exc:  # any damage at all is what this command reports
            report.problems.append(f"{name} is unreadable ({type(exc).__name__}: {exc}): {REPAIR_CHANGED}")
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        report.problems.append(f"{len(duplicates)} ids stored more than once, e.g. {duplicates[0]!r}")
    manifest = Manifest.load(gen)
    report.files = len(manifest.files)
    for key, state in manifest.files.items():
        if state.error is None and state.articles and per_source[key] != state.articles:
            report.problems.append(f"{key}: manifest says {state.articles} articles, index has {per_source[key]}")
    unknown = [s for s in per_source if s not in manifest.files]
    if unknown:
        report.problems.append(f"{len(unknown)} indexed files missing from the manifest, e.g. {unknown[0]} "
                               "(run newsdesk index on its folder to reconcile)")
    return report

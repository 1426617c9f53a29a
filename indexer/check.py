"""`newsdesk check`: read every segment of the live index and compare it with the manifest."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from whoosh.index import TOC

from .manifest import Manifest
from .store import IndexDir


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


def check_index(index_dir: IndexDir) -> CheckReport:
    report = CheckReport()
    gen = index_dir.current()
    ix = index_dir.open()
    report.generation = ix.latest_generation()
    newest = TOC._latest_generation(ix.storage, ix.indexname)
    if newest != report.generation:
        report.problems.append(f"newest commit (generation {newest}) is unreadable; serving generation "
                               f"{report.generation}: run newsdesk index to repair")
    per_source: Counter[str] = Counter()
    ids: Counter[str] = Counter()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for leaf, _ in reader.leaf_readers():
            report.segments += 1
            try:
                for fieldname in leaf.indexed_field_names():
                    for term in leaf.lexicon(fieldname):
                        leaf.postings(fieldname, term).all_ids()
                for docnum, stored in leaf.iter_docs():
                    per_source[stored.get("source", "")] += 1
                    ids[stored.get("id", "")] += 1
            except Exception as exc:  # any damage at all is what this command reports
                report.problems.append(f"segment {leaf!r} is unreadable: {type(exc).__name__}: {exc}")
        report.articles = reader.doc_count()
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

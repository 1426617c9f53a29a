"""Per-document tables of one commit (dates, entity names, months, filter document sets),
built once and shared by every server thread.

Facets and filters look at every match, so they read these instead of Whoosh's column
files. A commit never changes once written, so the tables of the commit a searcher reads
are valid for as long as it reads it; threads only share them, never rebuild them.
They were per thread, as Python lists and sets; a filter set for a common place held ~60,000
ints (~4 MB) at 100,000 articles. Here dates are an array of 8-byte ints, names and months
are interned and filter sets are bitmaps of one byte per document."""
from __future__ import annotations

import datetime as dt
import threading
from array import array
from collections import Counter
from typing import Callable, Iterable

import numpy as np
from whoosh.util.times import long_to_datetime

from indexer import entity_kinds
from indexer.schema import split_names
from indexer.wordlists import read_words

from .name_codes import FacetCodes, NameCodes
from .scoring import recency_factors
from .stories import band_numbers, members, stories_grown, stories_of

# Filter document sets kept per commit (one byte per document each).
MAX_CACHED_DOCSETS = 64
# Date-column units (microseconds) in a day.
DAY = 86_400_000_000
# Commits whose tables are kept: the newest, and the one before for requests still on it.
KEPT_COMMITS = 2


class SegmentTables:
    """Per-document tables of the segments being read, by segment id. A segment never
    changes once written, so a commit's tables are its segments' tables end to end, and a
    commit that adds 100 articles builds tables for those 100 only (at 100,000 articles,
    rebuilding every table made the first search after each commit take 0.76 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[tuple[str, str], object] = {}

    def get(self, leaf, name: str, build: Callable[[object], object]) -> object:
        key = (leaf.segment().segment_id(), name)
        table = self._tables.get(key)
        if table is None:
            table = build(leaf)
            with self._lock:
                table = self._tables.setdefault(key, table)
        return table

    def words(self, leaf) -> dict[str, int]:
        """The segment's word list (indexer/wordlists.py): each word's number of articles."""
        return self.get(leaf, "words", read_words)

    def keep_only(self, segment_ids: set[str]) -> None:
        with self._lock:
            for key in [k for k in self._tables if k[0] not in segment_ids]:
                del self._tables[key]


def _leaves(reader) -> list:
    """The segment readers of a reader (none for an empty index)."""
    return [leaf for leaf, _ in reader.leaf_readers() if leaf.doc_count_all()]


def _raw_column(leaf, name: str) -> Iterable:
    """A segment's column values, raw (None for every document where it lacks the column)."""
    if leaf.has_column(name):
        return leaf.column_reader(name, translate=False)
    return [None] * leaf.doc_count_all()


def _leaf_dates(leaf) -> array:
    return array("Q", (d or 0 for d in _raw_column(leaf, "date")))


def _leaf_names(kind: str) -> Callable[[object], list]:
    def build(leaf) -> list:
        seen: dict[tuple[str, ...], tuple[str, ...]] = {}
        return [seen.setdefault(names, names)
                for names in (tuple(split_names(v)) for v in _raw_column(leaf, kind))]
    return build


def _months(dates: array) -> list:
    month_of_day: dict[int, str] = {}
    out: list[str | None] = []
    for d in dates:
        if not d:
            out.append(None)
            continue
        day = d // DAY
        if day not in month_of_day:
            month_of_day[day] = long_to_datetime(d).strftime("%Y-%m")
        out.append(month_of_day[day])
    return out


def _body_frequency(reader, segments: "SegmentTables") -> Callable[[str], int]:
    """Articles whose body has a word (0 for what the body's analyser makes no one term of).
    Each segment's frequencies are kept as they are asked for: a segment never changes, and
    after a commit the same few thousand names are asked again (summed over the segments
    by Whoosh, 0.4 s at 100,000 articles, the larger part of that commit's first search)."""
    field = reader.schema["body"]
    leaves = [(leaf, segments.get(leaf, "body_frequency", lambda leaf: {})) for leaf in _leaves(reader)]

    def frequency(word: str) -> int:
        terms = list(field.process_text(word, mode="index"))
        if len(terms) != 1:
            return 0
        total = 0
        for leaf, known in leaves:
            found = known.get(terms[0])
            if found is None:
                found = known[terms[0]] = leaf.doc_frequency("body", terms[0])
            total += found
        return total
    return frequency


def _form_frequency(leaves: list[dict[str, int]]) -> Callable[[str], int]:
    """Articles using exactly a word, any case (the segments' word lists, indexer/wordlists.py:
    unstemmed, so "ipods" is not "ipod"; a segment's list still counts its deleted articles)."""
    def frequency(word: str) -> int:
        word = word.lower()
        return sum(words.get(word, 0) for words in leaves)
    return frequency


class DocTables:
    """Tables of one commit, by global document number. Every method takes the caller's
    reader of that commit: any reader of the same commit numbers documents alike, and a
    thread may close its own."""

    def __init__(self, segments: SegmentTables, earlier: tuple[list, array] | None = None) -> None:
        # Reentrant: some tables are built from others.
        self._lock = threading.RLock()
        self._segments = segments
        self._tables: dict[str, object] = {}
        self._docsets: dict[str, bytearray] = {}
        # The commit before's (segment ids and first numbers, stories), until stories are
        # built from them; and this commit's once they are (story_layout).
        self._earlier = earlier
        self.story_layout: list[tuple[str, int]] | None = None

    def _table(self, key: str, build: Callable[[], object]) -> object:
        table = self._tables.get(key)
        if table is None:
            with self._lock:
                table = self._tables.get(key)
                if table is None:
                    table = self._tables[key] = build()
        return table

    def _joined(self, reader, name: str, build: Callable[[object], object], into: object) -> object:
        """The segments' tables `name`, end to end in document-number order."""
        for leaf in _leaves(reader):
            into.extend(self._segments.get(leaf, name, build))
        return into

    def dates(self, reader) -> array:
        """Publication times in the date column's units; 0 for undated articles."""
        return self._table("dates", lambda: self._joined(reader, "dates", _leaf_dates, array("Q")))

    def _newest(self, reader) -> int:
        """The newest publication time in the date column's units; 0 when none is dated."""
        def build() -> list:
            dates = np.frombuffer(self.dates(reader), dtype=np.uint64)
            return [int(dates.max()) if len(dates) else 0]
        return self._table("newest", build)[0]

    def newest_date(self, reader) -> dt.datetime | None:
        newest = self._newest(reader)
        return long_to_datetime(newest) if newest else None

    def recency_factors(self, reader) -> np.ndarray:
        """Each document's recency factor (searcher.scoring) against the commit's newest date."""
        return self._table("recency", lambda: recency_factors(self.dates(reader), self._newest(reader)))

    def names_by_doc(self, reader, kind: str) -> list[tuple[str, ...]]:
        """A list-valued column (entities, section) split into names; one object per name
        set within a segment."""
        return self._table(f"names:{kind}",
                           lambda: self._joined(reader, f"names:{kind}", _leaf_names(kind), []))

    def months_by_doc(self, reader) -> list[str | None]:
        def leaf_months(leaf) -> list:
            return _months(self._segments.get(leaf, "dates", _leaf_dates))
        return self._table("months", lambda: self._joined(reader, "months", leaf_months, []))

    def stories(self, reader) -> array:
        """Each document's story (searcher/stories.py): articles sharing a band key are one.
        Each segment's keys are read as numbers once, and only the numbers kept (the keys as
        text were 82 of the 300 MB a warmed process held at 100,000 articles); a commit joins
        its segments' arrays, or, when it only added segments to the commit before, whose
        stories are built, looks only the new segments' keys up in the others."""
        def build() -> array:
            parts = []  # (segment id, first document number, documents, keys)
            for leaf, offset in reader.leaf_readers():
                if leaf.doc_count_all():
                    local, numbers = self._segments.get(leaf, "story_numbers", lambda leaf: band_numbers(
                        [tuple(split_names(v)) for v in _raw_column(leaf, "story")]))
                    parts.append((leaf.segment().segment_id(), offset, local, numbers))
            layout = [(sid, offset) for sid, offset, _, _ in parts]
            earlier, self._earlier = self._earlier, None
            kept = len(earlier[0]) if earlier is not None and 0 < len(earlier[0]) <= len(layout) \
                and layout[:len(earlier[0])] == earlier[0] else 0
            new = parts[kept:]
            empty = np.zeros(0, dtype=np.int64)
            docs = np.concatenate([local + offset for _, offset, local, _ in new]) if new else empty
            keys = np.concatenate([numbers for _, _, _, numbers in new]) if new else empty
            if kept:
                story = stories_grown(np.frombuffer(earlier[1], dtype=np.int64),
                                      [(local, numbers, offset) for _, offset, local, numbers in parts[:kept]],
                                      docs, keys, reader.doc_count_all())
            else:
                story = stories_of(reader.doc_count_all(), docs, keys)
            self.story_layout = layout
            return story
        return self._table("stories", build)

    def earlier(self) -> tuple[list, array] | None:
        """What the next commit's stories can grow from: this one's segments and stories."""
        story = self._tables.get("stories")
        return (self.story_layout, story) if story is not None and self.story_layout is not None else None

    def story_members(self, reader) -> dict[int, list[int]]:
        """The articles of each story of more than one (searcher/stories.py)."""
        return self._table("story_members", lambda: members(self.stories(reader)))

    def name_codes(self, reader, kind: str) -> NameCodes:
        """names_by_doc as arrays (searcher.name_codes), for counting: each segment's made
        once, a commit's joined from them."""
        def leaf_codes(leaf) -> NameCodes:
            return NameCodes.of(_leaf_names(kind)(leaf))
        return self._table(f"codes:{kind}", lambda: NameCodes.joined(
            [self._segments.get(leaf, f"codes:{kind}", leaf_codes) for leaf in _leaves(reader)]))

    def month_codes(self, reader) -> NameCodes:
        """months_by_doc as arrays, joined from each segment's like name_codes."""
        def leaf_codes(leaf) -> NameCodes:
            return NameCodes.of([(m,) if m else () for m in _months(self._segments.get(leaf, "dates", _leaf_dates))])
        return self._table("codes:month", lambda: NameCodes.joined(
            [self._segments.get(leaf, "codes:month", leaf_codes) for leaf in _leaves(reader)]))

    def live_docs(self, reader) -> np.ndarray:
        """The document numbers of the live articles, ascending."""
        def build() -> np.ndarray:
            parts = []
            for leaf, offset in reader.leaf_readers():
                docs = np.arange(offset, offset + leaf.doc_count_all(), dtype=np.int64)
                if leaf.has_deletions():
                    docs = np.delete(docs, np.fromiter(leaf.deleted_docs_set, dtype=np.int64))
                parts.append(docs)
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self._table("live", build)

    def name_counts(self, reader, kind: str) -> Counter:
        """Every name of a kind with the number of live articles naming it (for suggestions).
        Counted in arrays: Counter.update per article, with Whoosh's deletion check per
        document, was most of the first search after each commit (69 ms at 10,000 articles)."""
        return self._table(f"counts:{kind}", lambda: self.name_codes(reader, kind).counter(self.live_docs(reader)))

    def facet_codes(self, reader, kinds: tuple[str, ...]) -> FacetCodes:
        """The names of each facet kind and each article's month as one FacetCodes, names
        under the kind the archive gives them; built once per commit for every thread."""
        def build() -> FacetCodes:
            return FacetCodes.of({**{kind: self.name_codes(reader, kind) for kind in kinds},
                                  "month": self.month_codes(reader)},
                                 self.entity_kinds(reader), entity_kinds.KINDS)
        return self._table(f"facets:{','.join(kinds)}", build)

    def entity_kinds(self, reader) -> dict[str, str]:
        """Names given several kinds → the kind most live articles give; one-word names most
        articles with the word do not name, or whose plural the articles write often →
        DROPPED (entity_kinds)."""
        return self._table("entity_kinds", lambda: entity_kinds.archive_kinds(
            {kind: self.name_counts(reader, kind) for kind in entity_kinds.KINDS}, _body_frequency(reader, self._segments),
            _form_frequency([self._segments.words(leaf) for leaf in _leaves(reader)])))

    def docset(self, reader, key: str, docs: Callable[[], Iterable[int]]) -> bytearray:
        """The documents a filter matches as a bitmap, computed once per commit."""
        found = self._docsets.get(key)
        if found is None:
            found = bytearray(reader.doc_count_all())
            for docnum in docs():
                found[docnum] = 1
            with self._lock:
                if len(self._docsets) >= MAX_CACHED_DOCSETS:
                    self._docsets.clear()
                self._docsets[key] = found
        return found


class SharedTables:
    """The tables of the commits being read, one DocTables per (index generation, commit),
    and their segments' tables."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_commit: dict[tuple, tuple[DocTables, set[str]]] = {}
        self._segments = SegmentTables()

    def segment_words(self, leaf) -> dict[str, int]:
        """A segment's word list, read once for the facets and the spelling alike."""
        return self._segments.words(leaf)

    def for_reader(self, gen: object, reader) -> DocTables:
        key = (gen, reader.generation())
        with self._lock:
            entry = self._by_commit.get(key)
            if entry is None:
                segment_ids = {leaf.segment().segment_id() for leaf in _leaves(reader)}
                newest = next(reversed(self._by_commit.values()), None)
                entry = self._by_commit[key] = (DocTables(self._segments, newest[0].earlier() if newest else None),
                                                segment_ids)
                for old in list(self._by_commit)[:-KEPT_COMMITS]:
                    del self._by_commit[old]
                self._segments.keep_only(set().union(*(ids for _, ids in self._by_commit.values())))
        return entry[0]

"""What the crawler last saw of each url: the mirror file holding its page, the date its
listing gave, and the validators (ETag, Last-Modified) its server sent.

Kept beside the manifest, at the index root so a --rebuild keeps it, as a snapshot
(fetch-state.json, written atomically) and a journal of the entries changed since
(fetch-state.jsonl, appended and fsynced): saving during a run writes only what changed,
not the whole state, and an idle --watch pass writes nothing. The snapshot is rewritten
once at a run's end. A kill costs at most the entries not yet saved — a refetch of those
pages (the file pipeline then finds their bytes unchanged); a line cut short by a kill is
ignored on loading."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .durable import fsync_path
from .store import write_atomic

FETCH_STATE_FILE = "fetch-state.json"
JOURNAL_FILE = "fetch-state.jsonl"


@dataclass
class PageState:
    file: str  # mirror file, relative to the crawl directory
    lastmod: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # The sitemaps and feeds (as given on the command line) that listed it.
    roots: list[str] = field(default_factory=list)


@dataclass
class ListingState:
    etag: str | None = None
    last_modified: str | None = None
    kind: str = "sitemap"
    # What it listed when last read, for when the server answers 304 Not Modified.
    entries: list[list[str | None]] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


_KINDS = {"pages": PageState, "listings": ListingState}


@dataclass
class FetchState:
    pages: dict[str, PageState] = field(default_factory=dict)
    listings: dict[str, ListingState] = field(default_factory=dict)
    # (kind, url) of the entries changed since the last save; the crawler marks them.
    changed: set[tuple[str, str]] = field(default_factory=set)
    written: int = 0  # bytes this object wrote to disk, for bench.ingest

    @classmethod
    def load(cls, crawl_dir: Path) -> "FetchState":
        state = cls()
        try:
            raw = json.loads((crawl_dir / FETCH_STATE_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            raw = {}
        for kind, make in _KINDS.items():
            getattr(state, kind).update((url, make(**s)) for url, s in raw.get(kind, {}).items())
        try:
            lines = (crawl_dir / JOURNAL_FILE).read_text().splitlines()
        except OSError:
            return state
        for line in lines:
            try:
                kind, url, entry = json.loads(line)
                if entry is None:
                    getattr(state, kind).pop(url, None)
                else:
                    getattr(state, kind)[url] = _KINDS[kind](**entry)
            except (ValueError, TypeError, KeyError, AttributeError):
                break  # cut short by a kill: nothing was appended after it
        state.compact(crawl_dir)  # a journal left by a killed run: start from a clean snapshot
        return state

    def mark(self, kind: str, url: str) -> None:
        """Entry `url` of `pages` or `listings` was set, changed in place or removed."""
        self.changed.add((kind, url))

    def save(self, crawl_dir: Path) -> None:
        """Append the changed entries to the journal (on disk when this returns)."""
        if not self.changed:
            return
        lines = []
        for kind, url in sorted(self.changed):
            entry = getattr(self, kind).get(url)
            lines.append(json.dumps([kind, url, asdict(entry) if entry is not None else None],
                                    separators=(",", ":")) + "\n")
        data = "".join(lines).encode()
        path = crawl_dir / JOURNAL_FILE
        new = not path.exists()
        with open(path, "ab") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if new:
            fsync_path(crawl_dir)
        self.written += len(data)
        self.changed.clear()

    def compact(self, crawl_dir: Path) -> None:
        """Fold the journal into a new snapshot (a run's end). The journal's last word on each
        entry is the snapshot's, so a kill between the two steps changes nothing."""
        self.save(crawl_dir)
        journal = crawl_dir / JOURNAL_FILE
        if not journal.exists():
            return
        data = json.dumps({kind: {url: asdict(s) for url, s in sorted(getattr(self, kind).items())}
                           for kind in _KINDS}, separators=(",", ":")).encode()
        write_atomic(crawl_dir / FETCH_STATE_FILE, data)
        journal.unlink()
        fsync_path(crawl_dir)
        self.written += len(data)

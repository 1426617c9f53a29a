"""Takedowns: articles a CMS removed (DELETE /api/articles/<id>) that came from a file or a
crawled page, not from a push.

A pushed article is removed with its pushed file. An article of another file cannot be: the
file is the publisher's. So the takedown is recorded here — the id, the file it came from
and a digest of its text — and every indexer run deletes that article from the index and
leaves it out whenever the file is parsed again (a --rebuild, an edit of another line of
an export). It comes back when its own text changes in that file (republished), when it is
pushed again, or never once the file is gone (the record is then dropped).

Only the holder of the ingest lock writes the file (spool.drain); indexer runs read it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .durable import fsync_path, write_atomic
from .store import IndexDir

TAKEDOWNS_FILE = "takedowns.json"


@dataclass
class Takedown:
    id: str
    source: str  # the source key (file) the article was indexed from
    digest: str  # of its headline and body, as indexed


def text_digest(headline: str | None, body: str | None) -> str:
    return hashlib.sha1(f"{headline or ''}\0{body or ''}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Takedowns:
    entries: dict[str, Takedown] = field(default_factory=dict)

    @classmethod
    def load(cls, index_root: Path) -> "Takedowns":
        try:
            raw = json.loads((index_root / TAKEDOWNS_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            return cls()
        return cls({t["id"]: Takedown(**t) for t in raw.get("takedowns", [])})

    def save(self, index_root: Path) -> None:
        data = {"takedowns": [asdict(t) for _, t in sorted(self.entries.items())]}
        write_atomic(index_root / TAKEDOWNS_FILE, json.dumps(data, ensure_ascii=False).encode())
        fsync_path(index_root)

    def covers(self, article_id: str, source: str | None, headline: str | None, body: str | None) -> bool:
        """Whether this article, read from `source`, is one that was taken down."""
        taken = self.entries.get(article_id)
        return taken is not None and taken.source == source and taken.digest == text_digest(headline, body)

    def forget_missing(self) -> bool:
        """Drop the records of files that are gone (nothing left to keep out); says if any."""
        gone = [i for i, t in self.entries.items() if not Path(t.source).exists()]
        for article_id in gone:
            del self.entries[article_id]
        return bool(gone)


def indexed_takedowns(index_dir: IndexDir, article_ids: list[str]) -> dict[str, Takedown]:
    """The takedowns of the live index's articles with these ids (those it holds). Raises
    IndexProblem when the index cannot be read."""
    gen = index_dir.current() if article_ids else None
    if gen is None:
        return {}
    found = {}
    ix = index_dir.open_generation(gen)
    try:
        with ix.searcher() as searcher:
            for article_id in dict.fromkeys(article_ids):
                stored = searcher.document(id=article_id)
                if stored is not None:
                    found[article_id] = Takedown(article_id, stored.get("source", ""), text_digest(
                        stored.get("headline"), stored.get("body")))
    finally:
        ix.close()
    return found

"""Article ids stay unique across everything indexed into one index: nothing is ever replaced
by an article of another file that happens to give the same id.

An id made from a path (`business/001.txt`, relative to the indexed folder) is a name we
chose: when a file under another folder has the same relative path (`index a/2024 a/2025`),
it is given a longer one, `2025/business/001.txt`, then its full path. Ids already in the
index keep theirs, so links to them hold. An id the article states (a url, a JSONL `id`) is
the publisher's: a second file giving it is a real duplicate, named and not indexed; the
article that has it keeps it."""
from __future__ import annotations

from whoosh.index import Index

from .article import Article
from .parse import relative_id
from .sources import Source


class IdClaims:
    """Which source holds each id: this run's claims, then the index as it stood at the last
    commit. A source deleted or parsed again in this run holds nothing there: its old articles
    go with it, so an id that moved from one changed file to another is the new file's."""

    def __init__(self, ix: Index | None, released: list[str]) -> None:
        self._ix = ix
        self._searcher = ix.searcher() if ix is not None else None
        self._released = set(released)
        self._claimed: dict[str, str] = {}

    def _holder(self, article_id: str) -> str | None:
        if article_id in self._claimed:
            return self._claimed[article_id]
        if self._searcher is None:
            return None
        number = self._searcher.document_number(id=article_id)
        if number is None:
            return None
        source = self._searcher.stored_fields(number).get("source")
        return None if source in self._released else source

    def claim(self, articles: list[Article], src: Source) -> tuple[list[Article], list[str]]:
        """The articles of one file that may be indexed (a path id lengthened where another
        file has it), and a problem line for each that may not."""
        kept, problems = [], []
        for article in articles:
            holder = self._holder(article.id)
            if holder not in (None, src.key) and article.path_id:
                line = article.id[len(relative_id(src.path, src.root)):]  # "#7" of an export line
                for longer in (f"{src.root.resolve().name}/{article.id}", src.key + line):
                    holder = self._holder(longer)
                    if holder in (None, src.key):
                        article.id = longer
                        break
            if holder not in (None, src.key):
                problems.append(f"duplicate id {article.id!r} (already given by {holder}); not indexed")
                continue
            self._claimed[article.id] = src.key
            kept.append(article)
        return kept, problems

    def committed(self) -> None:
        """See the commit just made (what it deleted no longer holds an id)."""
        if self._searcher is not None:
            # Opened again: Whoosh cannot refresh a searcher of an index without segments
            # (a first run killed before its first commit), it raises TypeError.
            self._searcher.close()
            self._searcher = self._ix.searcher()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()

"""What the crawler last saw of each url: the mirror file holding its page, the date its
listing gave, and the validators (ETag, Last-Modified) its server sent.

Kept beside the manifest, at the index root so a --rebuild keeps it. Written atomically;
a kill between a page's mirror write and the next save only costs a refetch of that page
(the file pipeline then finds its bytes unchanged)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .store import write_atomic

FETCH_STATE_FILE = "fetch-state.json"


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


@dataclass
class FetchState:
    pages: dict[str, PageState] = field(default_factory=dict)
    listings: dict[str, ListingState] = field(default_factory=dict)

    @classmethod
    def load(cls, crawl_dir: Path) -> "FetchState":
        try:
            raw = json.loads((crawl_dir / FETCH_STATE_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            return cls()
        return cls({url: PageState(**s) for url, s in raw.get("pages", {}).items()},
                   {url: ListingState(**s) for url, s in raw.get("listings", {}).items()})

    def save(self, crawl_dir: Path) -> None:
        data = {"pages": {url: asdict(s) for url, s in sorted(self.pages.items())},
                "listings": {url: asdict(s) for url, s in sorted(self.listings.items())}}
        write_atomic(crawl_dir / FETCH_STATE_FILE, json.dumps(data, separators=(",", ":")).encode())

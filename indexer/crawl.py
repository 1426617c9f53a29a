"""Crawl a site's sitemaps and feeds into a mirror folder that the file pipeline indexes.

Every fetched page is stored as an .html file named after its url (atomically), so indexing
it is an ordinary incremental file run: kills, the manifest, updates and deletions behave
exactly as for files. A rerun fetches only urls that are new, whose listed date changed, or
whose server says they changed (ETag / Last-Modified)."""
from __future__ import annotations

import hashlib
import html
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urldefrag

import lxml.html
from lxml import etree

from .errors import ParseError
from .fetch import FetchError, Fetcher, FetchPolicy, Response, netloc
from .fetch_state import FetchState, ListingState, PageState
from .listings import MAX_LISTING_BYTES, Listed, read_listing
from .store import write_atomic

PAGES_DIR = "pages"
# Bounds on what one run reads, whatever a site's sitemaps say.
MAX_SITEMAP_DEPTH = 3
MAX_LISTINGS = 1000
MAX_URLS = 500_000
# Fetch state is saved this often during a run (and at its end).
SAVE_EVERY_SECONDS = 5.0


@dataclass
class CrawlSummary:
    listed: int = 0  # distinct article urls the sitemaps and feeds gave
    fetched: int = 0  # pages downloaded (200)
    changed: int = 0  # of those, new or different from the mirrored copy
    unchanged: int = 0  # skipped: same listed date, 304 Not Modified, or same bytes
    failed: int = 0
    skipped: int = 0  # off-site or not http(s): never contacted
    pruned: int = 0
    requests: int = 0
    bytes: int = 0
    state_bytes: int = 0  # fetch state written to disk
    seconds: float = 0.0
    stopped: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Root:
    """One sitemap or feed given on the command line, and what it listed this run."""

    url: str
    listed: dict[str, Listed] = field(default_factory=dict)
    complete: bool = True  # every listing under it was read
    prunable: bool = True  # sitemaps list the site; a feed lists only its latest items

    @property
    def urls(self):
        return self.listed.keys()


def mirror_file(url: str) -> str:
    """The mirror path of a page, relative to the crawl directory."""
    host = netloc(url).replace(":", "_") or "_"
    return f"{PAGES_DIR}/{host}/{hashlib.sha1(url.encode()).hexdigest()}.html"


def state_url(page: bytes, url: str) -> bytes:
    """A page's id is its url: one that states none (og:url, canonical link) gets the url it
    was fetched from appended, where the HTML parser reads it like the page's own."""
    try:
        doc = lxml.html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return page
    og = [v for v in doc.xpath("//meta[@property='og:url' or @name='og:url']/@content") if v.strip()]
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    stated = og[-1] if og else (canonical[0] if canonical else "")
    if stated.strip().startswith("http"):
        return page
    return page + f'\n<meta property="og:url" content="{html.escape(url)}">\n'.encode()


def crawl(urls: list[str], crawl_dir: Path, *, prune: bool = False, delay: float = 0.5,
          concurrency: int = 4, timeout: float = 20.0,
          on_error: Callable[[str, str], None] = lambda url, reason: None,
          on_progress: Callable[[int, int], None] = lambda done, total: None,
          should_stop: Callable[[], bool] = lambda: False) -> CrawlSummary:
    """Bring the mirror in line with what the sitemaps and feeds at `urls` list.

    Urls gone from a sitemap keep their page unless `prune`; then their mirror file is
    removed (and the file pipeline deletes the article), as is a page answering 404/410."""
    started = time.monotonic()
    summary = CrawlSummary()
    crawl_dir.mkdir(parents=True, exist_ok=True)
    state = FetchState.load(crawl_dir)
    fetcher = Fetcher(FetchPolicy(hosts={netloc(u) for u in urls}, delay=delay,
                                  concurrency=concurrency, timeout=timeout))

    def fail(url: str, reason: str) -> None:
        summary.failed += 1
        summary.failures.append((url, reason))
        on_error(url, reason)

    roots = [_read_root(url, fetcher, state, fail) for url in dict.fromkeys(urls)]
    wanted: dict[str, Listed] = {}
    for root in roots:
        for url in root.urls:
            wanted.setdefault(url, root.listed[url])
    summary.listed = len(wanted)
    todo: list[Listed] = []
    for url, item in wanted.items():
        try:
            fetcher.check_allowed(url)
        except FetchError as exc:
            summary.skipped += 1
            on_error(url, f"skipped: {exc}")
            continue
        old = state.pages.get(url)
        if old is not None:
            listed_by = sorted(set(old.roots) | {r.url for r in roots if url in r.urls})
            if listed_by != old.roots:
                old.roots = listed_by
                state.mark("pages", url)
            if item.lastmod and item.lastmod == old.lastmod and (crawl_dir / old.file).exists():
                summary.unchanged += 1
                continue
        todo.append(item)

    saved_at = time.monotonic()
    with ThreadPoolExecutor(max(concurrency, 1)) as pool:
        running: dict[Future, Listed] = {}
        waiting = deque(todo)
        done = 0

        def submit() -> None:
            while waiting and len(running) < 2 * concurrency:
                item = waiting.popleft()
                old = state.pages.get(item.url)
                exists = old is not None and (crawl_dir / old.file).exists()
                running[pool.submit(fetcher.get, item.url, old.etag if exists else None,
                                    old.last_modified if exists else None)] = item

        submit()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                item = running.pop(future)
                try:
                    _store(item, future.result(), crawl_dir, state, roots, summary)
                except FetchError as exc:
                    fail(item.url, str(exc))
                    if prune and exc.status in (404, 410):
                        summary.pruned += _remove(item.url, crawl_dir, state)
                done += 1
                on_progress(done, len(todo))
            if should_stop():
                summary.stopped = True
                waiting.clear()
            if time.monotonic() - saved_at > SAVE_EVERY_SECONDS:
                state.save(crawl_dir)  # what changed since the last save, appended
                saved_at = time.monotonic()
            submit()

    if prune and not summary.stopped:
        for root in roots:
            if not (root.complete and root.prunable):
                continue
            for url, page in list(state.pages.items()):
                if root.url in page.roots and url not in root.urls:
                    page.roots.remove(root.url)
                    state.mark("pages", url)
                    if not page.roots:
                        summary.pruned += _remove(url, crawl_dir, state)
    state.compact(crawl_dir)
    summary.state_bytes = state.written
    summary.requests, summary.bytes = fetcher.counters.requests, fetcher.counters.bytes
    summary.seconds = time.monotonic() - started
    return summary


def _store(item: Listed, response: Response, crawl_dir: Path, state: FetchState,
           roots: list[_Root], summary: CrawlSummary) -> None:
    """Mirror a fetched page (the file first, then its state: a kill in between is a refetch)."""
    old = state.pages.get(item.url)
    listed_by = {r.url for r in roots if item.url in r.urls} | set(old.roots if old else [])
    page = PageState(mirror_file(item.url), item.lastmod, response.etag, response.last_modified,
                     sorted(listed_by))
    if response.status == 304 and old is not None:
        page.file = old.file
        page.etag, page.last_modified = page.etag or old.etag, page.last_modified or old.last_modified
        summary.unchanged += 1
        _set_page(state, item.url, page)
        return
    summary.fetched += 1
    kind = response.content_type.split(";")[0].strip().lower()
    if kind and "html" not in kind:
        raise FetchError(f"not an HTML page (Content-Type {kind})")
    body = state_url(response.body, response.url)
    target = crawl_dir / page.file
    if target.exists() and target.read_bytes() == body:
        summary.unchanged += 1
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, body)
        summary.changed += 1
    _set_page(state, item.url, page)


def _set_page(state: FetchState, url: str, page: PageState) -> None:
    if state.pages.get(url) != page:  # a 304 that changes nothing writes nothing
        state.pages[url] = page
        state.mark("pages", url)


def _remove(url: str, crawl_dir: Path, state: FetchState) -> int:
    page = state.pages.pop(url, None)
    if page is None:
        return 0
    state.mark("pages", url)
    (crawl_dir / page.file).unlink(missing_ok=True)
    return 1


def _read_root(url: str, fetcher: Fetcher, state: FetchState,
               fail: Callable[[str, str], None]) -> _Root:
    """Read a sitemap (and, for an index, the sitemaps it names, breadth first) or a feed."""
    root = _Root(url)
    queue = deque([(url, 0)])
    seen = {url}
    while queue:
        listing_url, depth = queue.popleft()
        known = state.listings.get(listing_url)
        try:
            response = fetcher.get(listing_url, known.etag if known else None,
                                   known.last_modified if known else None, limit=MAX_LISTING_BYTES)
            if response.status == 304 and known is not None:
                listing = known
            else:
                parsed = read_listing(response.body, response.url)
                listing = ListingState(response.etag, response.last_modified, parsed.kind,
                                       [[e.url, e.lastmod] for e in parsed.entries], parsed.sitemaps)
                if listing != known:
                    state.listings[listing_url] = listing
                    state.mark("listings", listing_url)
        except (FetchError, ParseError) as exc:
            root.complete = False
            fail(listing_url, str(exc))
            continue
        if listing.kind == "feed":
            root.prunable = False
        for entry_url, lastmod in listing.entries:
            entry_url = urldefrag(entry_url).url
            if len(root.listed) < MAX_URLS and entry_url not in root.listed:
                root.listed[entry_url] = Listed(entry_url, lastmod)
        for child in listing.sitemaps:
            if child in seen:
                continue
            if depth + 1 > MAX_SITEMAP_DEPTH or len(seen) >= MAX_LISTINGS:
                root.complete = False
                fail(child, f"not read: sitemap index deeper than {MAX_SITEMAP_DEPTH} levels "
                            f"or more than {MAX_LISTINGS} sitemaps")
                continue
            seen.add(child)
            queue.append((child, depth + 1))
    return root

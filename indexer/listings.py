"""What a site announces: sitemaps (index files, .xml.gz, Google News sitemaps, plain text)
and feeds (RSS, Atom, JSON Feed) → the article urls they list, with the date each says it
last changed, so a rerun fetches only what is new or changed.

Sitemaps are read with lxml (trafilatura's sitemap module finds links by regex and drops
<lastmod>); RSS and Atom with feedparser (every dialect, bad encodings, per-item dates);
JSON Feed is plain JSON."""
from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import urljoin

import feedparser
from lxml import etree

from .errors import ParseError

# A sitemap may hold 50,000 urls and be 50 MB uncompressed (sitemaps.org).
MAX_LISTING_BYTES = 50 * 1024 * 1024


@dataclass
class Listed:
    url: str
    lastmod: str | None = None  # as the listing states it; compared as text


@dataclass
class Listing:
    kind: str  # "sitemap", "sitemapindex" or "feed"
    entries: list[Listed] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # children of a sitemap index


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=BytesIO(data)) as fh:
            out = fh.read(MAX_LISTING_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ParseError(f"not a readable gzip file ({exc})") from exc
    if len(out) > MAX_LISTING_BYTES:
        raise ParseError(f"sitemap over {MAX_LISTING_BYTES // 2**20} MB once decompressed")
    return out


def read_listing(data: bytes, url: str) -> Listing:
    """Parse the sitemap or feed read from `url` (relative links are resolved against it);
    raises ParseError when it is neither."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    head = data.lstrip()[:1]
    if head == b"{":
        return _json_feed(data, url)
    if head != b"<":
        return _text_sitemap(data)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"unreadable XML ({exc})") from exc
    if root is None:
        raise ParseError("unreadable XML")
    kind = _local(root.tag)
    if kind == "urlset":
        return Listing("sitemap", [Listed(urljoin(url, loc), _sitemap_date(entry)) for entry in root
                                   if _local(entry.tag) == "url" and (loc := _child_text(entry, "loc"))])
    if kind == "sitemapindex":
        return Listing("sitemapindex", sitemaps=[urljoin(url, loc) for sm in root if _local(sm.tag) == "sitemap"
                                                 and (loc := _child_text(sm, "loc"))])
    if kind in ("rss", "feed", "RDF"):
        return _xml_feed(data, url)
    raise ParseError(f"not a sitemap or feed (root element <{kind}>)")


def _child_text(element, name: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _sitemap_date(url) -> str | None:
    """<lastmod>, else a Google News sitemap's <news:publication_date>."""
    return _child_text(url, "lastmod") or _child_text(url, "publication_date")


def _xml_feed(data: bytes, url: str) -> Listing:
    feed = feedparser.parse(data, response_headers={"content-location": url})
    if not feed.entries and feed.bozo:
        raise ParseError(f"unreadable feed ({feed.bozo_exception})")
    listing = Listing("feed")
    for entry in feed.entries:
        link = entry.get("link")
        if link:
            # dict.get: feedparser's own get() warns when it falls back from updated to published.
            date = dict.get(entry, "updated") or dict.get(entry, "published")
            listing.entries.append(Listed(urljoin(url, link.strip()), date))
    return listing


def _json_feed(data: bytes, base: str) -> Listing:
    """JSON Feed 1.x (jsonfeed.org): items with url, date_modified / date_published."""
    try:
        feed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParseError(f"invalid JSON feed ({exc})") from exc
    if not isinstance(feed, dict) or not isinstance(feed.get("items"), list):
        raise ParseError("not a JSON Feed (no \"items\" list)")
    listing = Listing("feed")
    for item in feed["items"]:
        if isinstance(item, dict):
            url = item.get("url") or item.get("external_url")
            if isinstance(url, str) and url.strip():
                date = item.get("date_modified") or item.get("date_published")
                listing.entries.append(Listed(urljoin(base, url.strip()), date if isinstance(date, str) else None))
    return listing


def _text_sitemap(data: bytes) -> Listing:
    """A text sitemap: one url per line (sitemaps.org)."""
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    urls = [line for line in lines if line]
    if not urls or not all(u.startswith(("http://", "https://")) for u in urls):
        raise ParseError("not a sitemap or feed")
    return Listing("sitemap", [Listed(u) for u in urls])

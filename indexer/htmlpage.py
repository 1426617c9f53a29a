"""HTML article pages: trafilatura finds the body; what the page states about itself
(JSON-LD, Open Graph, article meta tags, <time>, <h1>) takes precedence for metadata.

The page is parsed once (trafilatura's `load_html`): its tree serves the metadata, every
trafilatura extraction and, only when the page states no date, htmldate."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import trafilatura
from lxml.html import HtmlElement

from .byline import choose_byline
from .dates import find_page_date, page_date
from .errors import ParseError
from .headline import choose_headline, text_of
from .image import page_image

_SPACE = re.compile(r"\s+")
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting",
                  "analysisnewsarticle", "opinionnewsarticle", "webpage", "report", "scholarlyarticle"}


@dataclass
class HtmlArticle:
    headline: str
    body: str
    date: dt.datetime | None = None
    has_time: bool = False
    byline: str | None = None
    section: str | None = None
    url: str | None = None
    image: str | None = None
    # A publication date the page states in ISO form that no datetime can hold (year 0 or
    # 10000 once in UTC, month 13): dropped, and worth a warning.
    unusable_date: str | None = None


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _norm(text: str) -> str:
    return _clean(text).casefold()


def json_ld_objects(tree: HtmlElement) -> list[dict]:
    """The page's JSON-LD objects that describe an article, however nested (lists, @graph)."""
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "@graph" in node:
                walk(node["@graph"])
            found.append(node)

    for script in tree.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            text = re.sub(r"^\s*<!\[CDATA\[|\]\]>\s*$", "", script.text or "")
            walk(json.loads(text, strict=False))
        except (json.JSONDecodeError, TypeError):
            continue
    articles = []
    for obj in found:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
            articles.append(obj)
    return articles


def page_meta(tree: HtmlElement) -> dict[str, str]:
    """All <meta> name/property values, keys folded ("DC.Title" → "dc:title"); later tags win."""
    values: dict[str, str] = {}
    for tag in tree.iter("meta"):
        content = _clean(tag.get("content"))
        if not content:
            continue
        keys = (tag.get("property") or "").split() + [tag.get("name") or "", tag.get("itemprop") or ""]
        for key in keys:
            key = re.sub(r"\s+", "", key).lower().replace(".", ":")
            if key:
                values[key] = content
    return values


def _first(meta: dict[str, str], *names: str) -> str | None:
    for name in names:
        if meta.get(name):
            return meta[name]
    return None


def site_names(meta: dict[str, str], ld: dict, url: str | None) -> list[str]:
    """What the site calls itself: og:site_name, application-name, the JSON-LD publisher, its host."""
    publisher = ld.get("publisher")
    names = [meta.get("og:site_name"), meta.get("application-name"),
             publisher.get("name") if isinstance(publisher, dict) else publisher]
    host = re.match(r"\w+://(?:www\.)?([^/:]+)", url or "")
    if host:
        names.append(host.group(1))
    return [_clean(n) for n in names if isinstance(n, str) and _clean(n)]


def _drop_repeated_heading(body: str, headline: str) -> str:
    """Extraction sometimes keeps the <h1> and the byline line above the first paragraph."""
    paragraphs = body.split("\n\n")
    while len(paragraphs) > 1:
        first = _norm(paragraphs[0])
        if first == _norm(headline) or (len(first) < 100 and re.match(r"by\s", first)):
            paragraphs.pop(0)
        else:
            break
    return "\n\n".join(paragraphs)


def _page_url(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    canonical = next((link for link in tree.iter("link") if "canonical" in (link.get("rel") or "").split()), None)
    return _first(meta, "og:url") or (canonical.get("href") if canonical is not None else None)


# Wayback Machine captures carry its toolbar between these comments.
_WAYBACK_TOOLBAR = re.compile(rb"<!-- BEGIN WAYBACK TOOLBAR INSERT -->.*?<!-- END WAYBACK TOOLBAR INSERT -->", re.S)
# Browsers read what follows </html> into the body (the crawler appends the url it fetched a
# page from there, indexer/crawl.py); libxml2 drops it, so such an end tag goes.
_END_BEFORE_MORE = re.compile(rb"</html\s*>(?=\s*\S)", re.I)
# Short paragraphs that are page furniture, not article: wire-service notices, photo credits,
# share and follow lines.
_FURNITURE = re.compile(
    r"may not be published, broadcast, rewritten|^(?:\(?(?:photo|image|picture|video|credit|foto)s?"
    r"(?:\s+(?:by|credit|courtesy))?\s*[:/]|\(?AP Photo\b)|(?:/|\s)(?:Getty Images|AFP|Reuters|AP)\)?$"
    r"|^(?:share|tweet|email|print|share this(?: article| story)?|share on \w+|click to share|follow us(?: on \w+)?)"
    r"(?:\s*[,|/]?\s*(?:share|tweet|email|print|facebook|twitter|whatsapp|linkedin|reddit|pinterest|copy link))*$",
    re.I)
# favor_precision output under a fifth of the default one has lost the article itself (on the
# dev pages it keeps either under a tenth or over a quarter).
_PRECISION_KEEPS = 0.2
# How much longer than the page's text an extraction can be, with its "- " and " | " marks.
_MARKS = 1.25


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def article_text(tree: HtmlElement, url: str | None, ld: dict) -> str:
    """The article's paragraphs.

    trafilatura in precision mode drops more furniture (navigation, teasers) than its
    default, unless it drops most of the text with it; then the default, the recall mode,
    and last the JSON-LD articleBody. Furniture paragraphs are dropped. Each run copies
    `tree`, which stays as parsed."""
    options = dict(url=url, include_comments=False, include_tables=True)
    paragraphs = _extracted(tree, favor_precision=True, **options)
    kept = sum(map(len, paragraphs))
    # The default run keeps no more than the page's text (list and table marks aside): when
    # precision kept enough of that, it cannot have lost the article, and the run is skipped.
    if kept < _PRECISION_KEEPS * _MARKS * len(trafilatura.html2txt(tree, clean=False)):
        fuller = _extracted(tree, **options)
        if kept < _PRECISION_KEEPS * sum(map(len, fuller)):
            paragraphs = fuller
    if not paragraphs:
        paragraphs = _extracted(tree, favor_recall=True, **options)
    if not paragraphs and isinstance(ld.get("articleBody"), str):
        paragraphs = _paragraphs(ld["articleBody"])
    wanted = [p for p in paragraphs if len(p) > 200 or not _FURNITURE.search(p)]
    return "\n\n".join(wanted or paragraphs)


def _extracted(tree: HtmlElement, **options: object) -> list[str]:
    doc = trafilatura.bare_extraction(tree, **options)
    return _paragraphs(doc.text if doc else "")


class _Guesses:
    """trafilatura's metadata guesses (title, author) and htmldate's date, computed only
    for a page whose own statements lack them: each costs a pass over the whole tree."""

    def __init__(self, tree: HtmlElement, url: str | None) -> None:
        self.tree, self.url = tree, url
        self._metadata: trafilatura.settings.Document | None = None

    @property
    def metadata(self) -> trafilatura.settings.Document:
        if self._metadata is None:
            self._metadata = trafilatura.extract_metadata(self.tree, self.url)
        return self._metadata

    def date(self, url: str | None) -> dt.datetime | None:
        """htmldate extensive on the page; trafilatura's own run of it when that asked the same url."""
        if self._metadata is not None and self._metadata.url == url:
            day = self._metadata.date
            return dt.datetime.strptime(day, "%Y-%m-%d") if day else None
        return find_page_date(self.tree, url)


def parse_html(data: bytes, url: str | None = None) -> HtmlArticle:
    tree = trafilatura.load_html(_END_BEFORE_MORE.sub(b"", _WAYBACK_TOOLBAR.sub(b"", data)))
    if tree is None:
        raise ParseError("no article text found in the HTML page")
    ld = json_ld_objects(tree)
    ld_first = ld[0] if ld else {}
    body = article_text(tree, url, ld_first)
    if not body:
        raise ParseError("no article text found in the HTML page")
    guesses = _Guesses(tree, url)
    meta = page_meta(tree)
    page_url = url or _page_url(tree, meta)
    sites = site_names(meta, ld_first, page_url)
    headline = choose_headline(tree, meta, ld_first, sites) or _clean(guesses.metadata.title)
    body = _drop_repeated_heading(body, headline)

    # Before the date: when the byline needs trafilatura's guess, its htmldate run serves the date.
    byline = choose_byline(tree, meta, ld_first, sites, lambda: guesses.metadata.author)
    times = [t.get("datetime") for t in tree.iter("time")
             if t.get("datetime") is not None and (t.get("itemprop") == "datePublished" or t.get("pubdate") is not None)]
    first_time = next((t.get("datetime") for t in tree.iter("time") if t.get("datetime") is not None), None)
    date_info = page_date(meta, ld, times + ([first_time] if first_time is not None else []), page_url,
                          lambda: guesses.date(page_url))

    section = (_clean(ld_first.get("articleSection")) if isinstance(ld_first.get("articleSection"), str) else None) \
        or _first(meta, "article:section") or None

    return HtmlArticle(
        headline=headline,
        body=body,
        date=date_info[0] if date_info else None,
        has_time=date_info[1] if date_info else False,
        byline=byline,
        section=section,
        url=page_url if page_url and page_url.startswith("http") else None,
        image=page_image(meta, ld_first, page_url),
        unusable_date=None if date_info else _unusable_date(meta, ld),
    )


def _unusable_date(meta: dict[str, str], ld: list[dict]) -> str | None:
    """The first ISO-shaped publication date the page states, asked for when none was usable."""
    stated = [meta.get("article:published_time"), meta.get("og:article:published_time"),
              *(obj.get("datePublished") for obj in ld)]
    return next((_clean(v) for v in stated if isinstance(v, str) and re.match(r"\s*\d{4}-\d{2}-\d{2}", v)), None)

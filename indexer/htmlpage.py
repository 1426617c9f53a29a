"""HTML article pages: trafilatura finds the body; what the page states about itself
(JSON-LD, Open Graph, article meta tags, <time>, <h1>) takes precedence for metadata."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import trafilatura
from bs4 import BeautifulSoup

from .dates import page_date
from .errors import ParseError

_SPACE = re.compile(r"\s+")
# "Headline - Site", "Site: Headline", "Headline | Section | Site" …
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


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _norm(text: str) -> str:
    return _clean(text).casefold()


def _json_ld_objects(soup: BeautifulSoup) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "@graph" in node:
                walk(node["@graph"])
            found.append(node)

    for script in soup.find_all("script", type="application/ld+json"):
        try:
            text = re.sub(r"^\s*<!\[CDATA\[|\]\]>\s*$", "", script.string or "")
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


def page_meta(soup: BeautifulSoup) -> dict[str, str]:
    """All <meta> name/property values, keys folded ("DC.Title" → "dc:title"); later tags win."""
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
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


def _person_names(value: object) -> str | None:
    if isinstance(value, str):
        return _clean(value) or None
    if isinstance(value, dict):
        return _person_names(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_person_names(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None


_HIERARCHY = re.compile(r" [|\-\\/>»] ")


def _words(text: str) -> int:
    return len(text.split())


def title_from_title_tag(title: str, headings: list[str], h1s: list[str]) -> str:
    """Strip the site name from a <title> the way readers expect ("X | Site" → "X").

    Follows the rules Mozilla Readability uses: cut at the last hierarchical separator unless
    that leaves too little, treat "Site: X" by looking for a heading equal to the whole title,
    and fall back to the only <h1> when the title is implausibly short or long."""
    original = _clean(title)
    current = original
    hierarchical = False
    separators = list(_HIERARCHY.finditer(original))
    if separators:
        hierarchical = bool(re.search(r" [\\/>»] ", original))
        current = original[:separators[-1].start()]
        if _words(current) < 3:
            current = re.sub(r"^[^|\-\\/>»]*[|\-\\/>»]", "", original)
    elif ": " in current:
        if not any(_clean(h) == original for h in headings):
            current = original[original.rindex(":") + 1:]
            if _words(current) < 3:
                current = original[original.index(":") + 1:]
            elif _words(original[:original.index(":")]) > 5:
                current = original
    elif len(current) > 150 or len(current) < 15:
        if len(h1s) == 1:
            current = h1s[0]
    current = _clean(current)
    count = _words(current)
    if count <= 4 and (not hierarchical or count != _words(re.sub(r"[|\-\\/>»]+", "", original)) - 1):
        current = original
    return current


def _json_ld_title(obj: dict, fallback_title: str) -> str | None:
    name, headline = obj.get("name"), obj.get("headline")
    name = _clean(name) if isinstance(name, str) else None
    headline = _clean(headline) if isinstance(headline, str) else None
    if name and headline and name != headline:
        # Some sites put the site or section name in "name"; keep the one that looks like the page.
        return name if _norm(name) in _norm(fallback_title) and _norm(headline) not in _norm(fallback_title) else headline
    return headline or name


def choose_headline(soup: BeautifulSoup, meta: dict[str, str], ld: dict) -> str:
    """The headline the page states about itself first (JSON-LD, Dublin Core, Open Graph,
    Twitter, Parse.ly meta), then the <title> with the site name stripped."""
    title_tag = soup.find("title")
    h1s = [t for t in (_clean(h.get_text(" ")) for h in soup.find_all("h1")) if t]
    h2s = [t for t in (_clean(h.get_text(" ")) for h in soup.find_all("h2")) if t]
    from_title = title_from_title_tag(title_tag.get_text(" "), h1s + h2s, h1s) if title_tag else ""
    for candidate in [
        _json_ld_title(ld, from_title) if ld else None,
        _first(meta, "dc:title", "dcterm:title", "og:title", "weibo:article:title",
               "weibo:webpage:title", "title", "twitter:title", "parsely-title"),
    ]:
        if candidate:
            return candidate
    return from_title or (h1s[0] if h1s else "")


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


def _page_url(soup: BeautifulSoup, meta: dict[str, str]) -> str | None:
    canonical = soup.find("link", rel="canonical")
    return _first(meta, "og:url") or (canonical.get("href") if canonical else None)


def parse_html(data: bytes, url: str | None = None) -> HtmlArticle:
    soup = BeautifulSoup(data, "lxml")
    doc = trafilatura.bare_extraction(data, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False)
    body = (doc.text if doc is not None else "") or ""
    body = "\n\n".join(p.strip() for p in body.split("\n") if p.strip())
    if not body:
        raise ParseError("no article text found in the HTML page")

    ld = _json_ld_objects(soup)
    ld_first = ld[0] if ld else {}
    meta = page_meta(soup)
    headline = choose_headline(soup, meta, ld_first) or _clean(doc.title if doc else "")
    body = _drop_repeated_heading(body, headline)

    times = [t["datetime"] for t in soup.find_all("time", datetime=True)
             if t.get("itemprop") == "datePublished" or t.has_attr("pubdate")]
    first_time = soup.find("time", datetime=True)
    date_info = page_date(meta, ld, times + ([first_time["datetime"]] if first_time else []), data,
                          url or _page_url(soup, meta))

    byline = (_person_names(ld_first.get("author")) or _first(meta, "author", "dc:creator", "byl", "parsely-author")
              or (doc.author if doc else None))
    if byline and byline.startswith("http"):
        byline = doc.author if doc else None
    byline = re.sub(r"^By\s+", "", _clean(byline), flags=re.I) or None
    section = (_clean(ld_first.get("articleSection")) if isinstance(ld_first.get("articleSection"), str) else None) \
        or _first(meta, "article:section") or None
    page_url = url or _page_url(soup, meta)

    return HtmlArticle(
        headline=headline,
        body=body,
        date=date_info[0] if date_info else None,
        has_time=date_info[1] if date_info else False,
        byline=byline,
        section=section,
        url=page_url if page_url and page_url.startswith("http") else None,
    )

"""Who wrote an HTML article: the page's JSON-LD and meta tags, then its byline element, and
only last trafilatura's guess, which on some pages is a form label ("Username") or a
navigation box ("Authority control")."""
from __future__ import annotations

import re
from itertools import islice
from typing import Callable

from lxml.html import HtmlElement

from .headline import clean, is_site, text_of

# Readability's order of precedence for the meta tags that name an author.
_META_AUTHORS = ("dc:creator", "dcterm:creator", "author", "parsely-author", "byl", "article:author",
                 "sailthru:author")
_BYLINE_CLASS = re.compile(r"byline|writtenby|p-author|author(?!ity)", re.I)
# What a byline shows beside the names: the writer's job or a blurb ("Ben Silverman Games Editor").
_JOB_CLASS = re.compile(r"(?:author|byline)[-_]?(?:title|bio|role|job|position|description)|job[-_]?title", re.I)
_BY = re.compile(r"^(?:written\s+by|posted\s+by|by|par|por|von|di|door|af)\b[\s:]*", re.I)
# Names hold no digits: what follows the first one is a date or a time ("Joshua Sokol May 20,
# 2019", "César Salza 1 de diciembre de 2017", "James Akinaka • 8h").
_FROM_DIGIT = re.compile(r"[\s|,·•–—-]*(?:(?:updated|published|on)\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug"
                         r"|sep|oct|nov|dec)[a-z]*\.?\s+)?\d.*$", re.I | re.S)
# Who else a byline credits after the writer ("Written by A Edited by B"): no author.
_OTHER_CREDIT = re.compile(r"\s*[,;|]?\s*\b(?:edited|photos?|photographs|illustrations?|graphics|translated|"
                           r"additional reporting)\s+by\b.*$", re.I | re.S)
_NOT_A_BYLINE = re.compile(r"^(?:last\s+)?(?:updated|published|posted\s+on)\b", re.I)
_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w'’.-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w'’.-]*|de|da|del|van|von|der|la|le|bin|al|y)){1,4}$")


def person_names(value: object) -> str | None:
    """A JSON-LD author (a name, a Person or Organization, or a list of them) as "A, B"."""
    if isinstance(value, str):
        value = clean(value)
        return value if value and not value.startswith("http") else None
    if isinstance(value, dict):
        return person_names(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (person_names(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None


def tidy_byline(text: str | None, site_names: list[str]) -> str | None:
    """Only the writers' names: "By Joshua Sokol May 20, 2019" → "Joshua Sokol"; "A, B and C, CNN" →
    "A, B and C"; "Written by A Edited by B" → "A"."""
    text = clean(text)
    if _NOT_A_BYLINE.match(text):
        return None
    text = _OTHER_CREDIT.sub("", text)
    text = re.sub(r"^.*?\s+by\s+(?=[A-ZÀ-Ö])", "", text)  # "Tech Industry by Steven Musil"
    text = _BY.sub("", text)
    text = _FROM_DIGIT.sub("", text).strip(" ,|·•–—-")
    parts = [p for p in re.split(r"\s*,\s*", text)]
    while len(parts) > 1 and is_site(parts[-1], site_names):
        parts.pop()
    text = ", ".join(parts).strip(" ,")
    return text if text and not text.startswith("http") and len(text) <= 100 else None


def _looks_like_names(text: str) -> bool:
    return all(_NAME.match(p) for p in re.split(r"\s*(?:,|\band\b|&)\s*", text) if p)


def _byline_elements(tree: HtmlElement) -> list[str]:
    """The texts of the first elements marked as the byline (rel=author, itemprop=author, a
    byline class), in page order, without the writer's job title or blurb inside them. An itemprop=author item that has an itemprop=name
    (schema.org microdata, a Person) gives only that name, not the source or date beside it."""
    def job(tag: HtmlElement) -> bool:
        return isinstance(tag.tag, str) and bool(_JOB_CLASS.search(tag.get("class") or ""))

    def marked(tag: HtmlElement) -> bool:
        if not isinstance(tag.tag, str) or tag.tag in ("meta", "link", "script", "style", "img") or job(tag):
            return False
        names = " ".join((tag.get("class") or "").split()) + " " + (tag.get("id") or "")
        return (tag.get("rel") or "").split() == ["author"] or "author" in (tag.get("itemprop") or "") \
            or bool(_BYLINE_CLASS.search(names))
    def person_items(tag: HtmlElement) -> list[str]:
        items = [t for t in tag.iter() if isinstance(t.tag, str) and t.get("itemscope") is not None
                 and "author" in (t.get("itemprop") or "").split()]
        names = [text_of(n) for item in items for n in item.iter()
                 if n is not item and "name" in (n.get("itemprop") or "").split()]
        return list(dict.fromkeys(n for n in names if n))

    texts = []
    for tag in islice(filter(marked, tree.iter()), 40):
        text = ", ".join(person_items(tag)) or text_of(tag, skip=job)
        if 0 < len(text) < 100 and re.search(r"[^\W\d_]", _BY.sub("", text)):
            texts.append(text)
    return texts


def choose_byline(tree: HtmlElement, meta: dict[str, str], ld: dict, site_names: list[str],
                  extractor_guess: Callable[[], str | None]) -> str | None:
    """The stated author, else the first byline element's names, else `extractor_guess()`
    (trafilatura's, asked only then) when it looks like names, else a later byline element's."""
    for stated in [person_names(ld.get("author"))] + [meta.get(n) for n in _META_AUTHORS]:
        found = tidy_byline(stated, site_names)
        if found:
            return found
    marked = _byline_elements(tree)
    found = tidy_byline(marked[0] if marked else None, site_names)
    if found and _looks_like_names(found):
        return found
    guess = tidy_byline((extractor_guess() or "").replace(";", ","), site_names)
    if guess and _looks_like_names(guess):
        return guess
    # The first marked element was a menu or an agency ("AFP"): a later one that names people.
    later = (tidy_byline(text, site_names) for text in marked[1:])
    return next((t for t in later if t and _looks_like_names(t)), None)

"""The headline of an HTML page, from what the page says about itself.

A page states its headline several times: the visible <h1>, <title>, og:title, twitter:title,
JSON-LD, other meta tags. Site names and sections ride along ("BBC NEWS | Technology | …",
"… -- Daily Intel -- New York Magazine", "… - Forbes.com") and og:title is often a shorter
social headline. A statement that adds a part to the <h1> which the <title> agrees on (og:title
"H | Author", <title> "H | Author | Section | Site") is the headline; else an <h1> that another
statement repeats (whole, or with a site name or section cut off); failing that the first
statement in Readability's order (JSON-LD, Dublin Core, Open Graph, …) with the site name cut
off (a part that only resembles the name only when the page also shows the headline without
it); last the <title>."""
from __future__ import annotations

import html
import re
from typing import Callable

from lxml.html import HtmlElement

_SPACE = re.compile(r"\s+")
# Between a headline and a site name or section: "|", "-", "--", "–", "—", "/", "\", ">", "»", "·", "::".
_SEPARATOR = re.compile(r" (?:--|::|[|\-–—\\/>»·•]) ")
_HIERARCHICAL = re.compile(r" [\\/>»] ")
_DOMAIN = re.compile(r"^[\w.-]+\.(?:com|net|org|co|info|news|io|tv|[a-z]{2})$", re.I)
# Statements in Readability's order of precedence (after JSON-LD).
META_TITLES = ("dc:title", "dcterm:title", "og:title", "weibo:article:title", "weibo:webpage:title",
               "title", "twitter:title", "parsely-title")
# A cut that leaves fewer words than this is no headline (a site name, a section).
_MIN_CUT_WORDS = 3


def clean(text: str | None) -> str:
    """Whitespace folded, entities a page escaped twice (`Pence&#x3a;`) decoded."""
    text = text or ""
    if "&" in text:
        text = html.unescape(text)
    return _SPACE.sub(" ", text).strip()


# Elements whose text a browser does not show as words of their parent.
_HIDDEN = {"script", "style", "template", "rt", "rp"}


def text_of(element: HtmlElement, skip: Callable[[HtmlElement], bool] | None = None) -> str:
    """The element's visible text, its pieces joined by spaces and folded (`clean`); without
    the descendants `skip` is true for."""
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node.tag in _HIDDEN or (skip is not None and node is not element and skip(node)):
            return
        pieces.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            pieces.append(child.tail or "")
    walk(element)
    return clean(" ".join(pieces))


def _key(text: str) -> str:
    return clean(text).casefold().replace("’", "'")


def _words(text: str) -> int:
    return len(text.split())


def cuts(text: str) -> list[str]:
    """`text` with a shorter leading or trailing part cut at a separator (a site name or a
    section is shorter than the headline), and without a short "Label:" in front."""
    found = []
    for m in _SEPARATOR.finditer(text):
        head, tail = text[:m.start()].strip(), text[m.end():].strip()
        if _words(head) != _words(tail):
            found.append(head if _words(head) > _words(tail) else tail)
    head, colon, rest = text.partition(": ")
    if colon and _words(head) <= 2:
        found.append(rest.strip())
    return [c for c in found if _words(c) >= _MIN_CUT_WORDS]


def _site_key(name: str) -> str:
    return re.sub(r"\.(?:com|net|org|co\.uk|co|[a-z]{2})$", "", _key(name))


def is_site(part: str, site_names: list[str], exactly: bool = False) -> bool:
    """Is `part` the site's name ("CNN.com", "CNN Politics" for CNN, "Spiceworks" for Spiceworks Inc)?
    `exactly`: only a domain or a name the site states, letter for letter ("CNN.com", "CNN" for CNN)."""
    if _DOMAIN.match(part.strip()):
        return True
    if exactly:
        return _key(part) in {_key(n) for n in site_names}
    key = _site_key(part)
    for name in map(_site_key, site_names):
        if key and name and (key == name or name.startswith(key + " ") or key.startswith(name + " ")):
            return True
    return False


def strip_site_name(text: str, site_names: list[str], exactly: bool = False) -> str:
    """Cut leading and trailing parts that are the site's name ("… - Forbes.com",
    "TechCrunch | …", "… -- Puppet Masters -- Sott.net"); `exactly` as for `is_site`."""
    parts = _SEPARATOR.split(text)
    seps = _SEPARATOR.findall(text)
    if len(parts) < 2:
        return text
    start, end = 0, len(parts)
    if is_site(parts[-1], site_names, exactly):
        end -= 1
        # "Headline -- Section -- Site": a short part before the site name is its section.
        while end - start > 1 and _words(parts[end - 1]) <= 3 and _words(parts[start]) > 3:
            end -= 1
    elif is_site(parts[0], site_names, exactly):
        start += 1
        while end - start > 1 and _words(parts[start]) <= 3 and _words(parts[end - 1]) > 3:
            start += 1
    if (start, end) == (0, len(parts)):
        return text
    joined = parts[start]
    for sep, part in zip(seps[start:end - 1], parts[start + 1:end]):
        joined += sep + part
    return joined.strip()


def title_from_title_tag(title: str, headings: list[str], h1s: list[str],
                         site_names: list[str] = ()) -> str:
    """Strip the site name from a <title> the way readers expect ("X | Site" → "X").

    A part that is the site's name (og:site_name, the publisher, a domain) is cut whatever
    is left; otherwise Mozilla Readability's rules: cut at the last separator unless that
    leaves too little, treat "Site: X" by looking for a heading equal to the whole title,
    and fall back to the only <h1> when the title is implausibly short or long."""
    original = clean(title)
    stripped = strip_site_name(original, list(site_names))
    if stripped != original:
        return stripped
    current = original
    hierarchical = False
    separators = list(_SEPARATOR.finditer(original))
    if separators:
        hierarchical = bool(_HIERARCHICAL.search(original))
        current = original[:separators[-1].start()]
        if _words(current) < 3:
            current = original[separators[0].end():]
    elif ": " in current:
        if not any(clean(h) == original for h in headings):
            current = original[original.rindex(":") + 1:]
            if _words(current) < 3:
                current = original[original.index(":") + 1:]
            elif _words(original[:original.index(":")]) > 5:
                current = original
    elif len(current) > 150 or len(current) < 15:
        if len(h1s) == 1:
            current = h1s[0]
    current = clean(current)
    count = _words(current)
    if count <= 4 and (not hierarchical or count != _words(_SEPARATOR.sub(" ", original)) - 1):
        current = original
    return current


def _json_ld_title(obj: dict, fallback_title: str) -> str | None:
    name, headline = obj.get("name"), obj.get("headline")
    name = clean(name) if isinstance(name, str) else None
    headline = clean(headline) if isinstance(headline, str) else None
    if name and headline and name != headline:
        # Some sites put the site or section name in "name"; keep the one that looks like the page.
        return name if _key(name) in _key(fallback_title) and _key(headline) not in _key(fallback_title) else headline
    return headline or name


def choose_headline(tree: HtmlElement, meta: dict[str, str], ld: dict, site_names: list[str]) -> str:
    """The page's headline: the reading most of its statements agree on (see the module
    docstring); on a tie, the earlier in Readability's order."""
    title_tag = next(tree.iter("title"), None)
    h1s = [t for t in map(text_of, tree.iter("h1")) if t]
    h2s = [t for t in map(text_of, tree.iter("h2")) if t]
    title = text_of(title_tag) if title_tag is not None else ""
    from_title = title_from_title_tag(title, h1s + h2s, h1s, site_names) if title else ""
    statements = [_json_ld_title(ld, from_title) if ld else None] + [clean(meta.get(n)) for n in META_TITLES]
    statements = [s for s in statements if s]
    headings = [h for h in h1s[:3] if not is_site(h, site_names)]
    shown = {_key(t) for t in statements + headings}
    fallback = [_without_site(s, site_names, shown) for s in statements] + [from_title] + h1s
    candidates = [c for c in fallback[:-len(h1s) or None] + headings if c]
    if not candidates:
        return next((c for c in fallback if c), "")
    # Meta tags with the same text are usually one tag with several names (og:title twitter:title).
    ld_title = [statements[0]] if ld and statements and _json_ld_title(ld, from_title) else []
    meta_titles = list(dict.fromkeys(statements[len(ld_title):]))
    readings = [_readings(s, site_names) for s in [*ld_title, *meta_titles, title] if s]
    if headings:
        readings.append(set().union(*(_readings(h, site_names) for h in headings)))

    # A section the page states ("| Environment") is furniture like the site's name.
    sections = [clean(v) for v in (meta.get("article:section"), ld.get("articleSection")) if isinstance(v, str)]
    extended = next((s for s in statements
                     if _extends_heading(s, title, headings, statements, site_names + sections)), None)
    if extended:
        return extended

    def support(candidate: str) -> int:
        return sum(_key(candidate) in r for r in readings)
    best = max(candidates, key=support)
    return best if support(best) >= 2 else next(c for c in fallback if c)


def _without_site(statement: str, site_names: list[str], shown: set[str]) -> str:
    """`statement` without the site's name: a part that only resembles the name ("Factorio"
    for Factorio.com, "CNN Politics" for CNN) is cut when a heading or another statement
    shows the headline without it; nothing else on the page says it is no part of the headline."""
    cut = strip_site_name(statement, site_names)
    return cut if _key(cut) in shown else strip_site_name(statement, site_names, exactly=True)


def _extends_heading(statement: str, title: str, headings: list[str], statements: list[str],
                     site_names: list[str]) -> bool:
    """Does `statement` add a part to an <h1> ("H | Author", "H - Story") that the <title> agrees
    on and no other statement contradicts by stating the <h1> alone? The <title> then starts
    with the statement, the site's furniture after it ("H | Author | Section | Site"): the
    publisher trimmed that furniture itself, and the part it kept is no site name."""
    rest = title[len(statement):] if _key(title).startswith(_key(statement)) else ""
    if not rest or not _SEPARATOR.match(" " + rest.lstrip()) or strip_site_name(statement, site_names) != statement:
        return False
    stated = {_key(s) for s in statements}
    return any(_key(h) not in stated and _key(h) in {_key(c) for c in cuts(statement)} for h in headings)


def _readings(statement: str, site_names: list[str]) -> set[str]:
    """What a statement may say the headline is: itself, without the site name, or cut."""
    return {_key(t) for t in [statement, strip_site_name(statement, site_names), *cuts(statement)]}

"""HTML fragments in exported and pushed articles.

A CMS export or webhook often carries the body (and sometimes the headline or byline) as
the HTML its editor stores (`<p>…</p>`, `<br>`, `&amp;`): indexed as is, the tags become
search words and show in snippets. A fragment is read with BeautifulSoup's forgiving
parser, as a browser would show it: block elements become paragraphs, scripts and styles
are dropped. Plain text is passed through untouched (a `<` in prose is not markup), and so
is a bracketed name that is no HTML element: wire copy writes companies as `<Texaco Inc>`,
which a parser would swallow as a tag."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# The elements of the HTML standard (and the obsolete ones editors still write).
_ELEMENTS = frozenset("""
    a abbr address area article aside audio b bdi bdo big blockquote body br button canvas
    caption center cite code col colgroup data dd del details dfn dialog div dl dt em embed
    fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i
    iframe img input ins kbd label legend li link main map mark meta meter nav noscript object
    ol optgroup option output p param picture pre progress q rp rt ruby s samp script section
    select small source span strike strong style sub summary sup table tbody td template
    textarea tfoot th thead time title tr track tt u ul var video wbr
""".split())
_BLOCKS = ["p", "div", "section", "article", "blockquote", "li", "ul", "ol", "h1", "h2", "h3",
           "h4", "h5", "h6", "figure", "figcaption", "table", "tr", "pre", "header", "footer"]
_HIDDEN = ["script", "style", "noscript", "template", "iframe", "object", "embed"]


def fragment_text(value: str) -> str:
    """The text a reader sees in `value`, paragraphs separated by a blank line."""
    tags = [m for m in _TAG.finditer(value) if m.group(1).lower() in _ELEMENTS]
    if not tags and not _ENTITY.search(value):
        return value.strip()
    soup = BeautifulSoup(_escape_non_elements(value), "html.parser")
    for tag in soup.find_all(_HIDDEN):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", soup.get_text()))
    return "\n\n".join(p for p in paragraphs if p)


def _escape_non_elements(value: str) -> str:
    """`<Texaco Inc>` as text, so that the parser keeps the name a reader sees."""
    def escape(m: re.Match) -> str:
        if m.group(1).lower() in _ELEMENTS:
            return m.group(0)
        return m.group(0).replace("<", "&lt;").replace(">", "&gt;")
    return _TAG.sub(escape, value)

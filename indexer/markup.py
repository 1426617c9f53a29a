"""HTML fragments in exported and pushed articles.

A CMS export or webhook often carries the body (and sometimes the headline or byline) as
the HTML its editor stores (`<p>…</p>`, `<br>`, `&amp;`): indexed as is, the tags become
search words and show in snippets. A fragment is read with BeautifulSoup's forgiving
parser, as a browser would show it: block elements become paragraphs, scripts and styles
are dropped. Plain text is passed through untouched (a `<` in prose is not markup)."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

_MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_BLOCKS = ["p", "div", "section", "article", "blockquote", "li", "ul", "ol", "h1", "h2", "h3",
           "h4", "h5", "h6", "figure", "figcaption", "table", "tr", "pre", "header", "footer"]
_HIDDEN = ["script", "style", "noscript", "template", "iframe", "object", "embed"]


def fragment_text(value: str) -> str:
    """The text a reader sees in `value`, paragraphs separated by a blank line."""
    if not _MARKUP.search(value):
        return value.strip()
    soup = BeautifulSoup(value, "html.parser")
    for tag in soup.find_all(_HIDDEN):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", soup.get_text()))
    return "\n\n".join(p for p in paragraphs if p)

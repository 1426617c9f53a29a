"""Snippets: the best passages of a hit's body with the query's words marked.

Two renderings of the same passages: HTML-safe (every character of article text escaped,
only our own <mark> tags raw; safe in element content, never put it in an attribute) and
terminal text (words in bold when the output is a terminal)."""
from __future__ import annotations

import html
import re

from whoosh import highlight

SNIPPET_CHARS = 220
CONTEXT_CHARS = 70
BETWEEN = " … "
_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.S)


class MarkFormatter(highlight.Formatter):
    between = BETWEEN

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"


def highlighter(formatter: highlight.Formatter) -> highlight.Highlighter:
    # Pinpoint fragments use the character offsets stored in the index instead of
    # re-analysing each hit's whole body.
    fragmenter = highlight.PinpointFragmenter(maxchars=SNIPPET_CHARS, surround=CONTEXT_CHARS,
                                              autotrim=True)
    return highlight.Highlighter(fragmenter=fragmenter, formatter=formatter,
                                 order=highlight.FIRST)


def first_sentence(body: str, limit: int = SNIPPET_CHARS) -> str:
    """What a hit shows when the body has none of the query's words."""
    text = " ".join(body.split())
    m = _SENTENCE.match(text)
    sentence = m.group(1) if m else text
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + " …"
    return sentence


def html_to_terminal(snippet_html: str, bold: bool) -> str:
    """The terminal rendering of an HTML-safe snippet (same passages, no second highlight)."""
    on, off = ("\x1b[1m", "\x1b[0m") if bold else ("", "")
    return html.unescape(snippet_html.replace("<mark>", on).replace("</mark>", off))

"""Plain-text articles: the site's page dumps (masthead, dateline, headline, body, furniture)
and bare "headline on the first line, body after" files."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .errors import ParseError

_DATELINE = re.compile(
    r"^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+"
    r"(?P<day>\d{1,2}),?\s+(?P<year>\d{4})$",
    re.IGNORECASE,
)
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}

# Page furniture that follows the article body on the site's pages: once one of these lines
# appears, nothing after it belongs to the article.
_FURNITURE = re.compile(r"^(?:Newsletter|Related Articles|Close|×|\d{1,2}:\d{2}(?::\d{2})?)$")
# How many lines from the top the dateline may sit (masthead and tagline come first).
_DATELINE_WINDOW = 6
_SENTENCE_END = tuple('.!?:;"”’\')]')


@dataclass
class TextArticle:
    headline: str
    body: str
    date: dt.datetime | None = None
    site: str | None = None


def parse_dateline(line: str) -> dt.datetime | None:
    m = _DATELINE.match(line.strip())
    if not m:
        return None
    month = _MONTHS[m.group("month")[:3].lower()]
    try:
        return dt.datetime(int(m.group("year")), month, int(m.group("day")))
    except ValueError:
        return None


def _join_wrapped(lines: list[str]) -> str:
    """Rejoin lines the dump wrapped mid-sentence; keep real paragraph breaks.

    The site's dumps break paragraphs with either a blank line or a single newline, and also
    wrap long paragraphs mid-sentence; a line that does not end a sentence continues."""
    paragraphs: list[str] = []
    current = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        current = f"{current} {line}" if current else line
        if line.endswith(_SENTENCE_END):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def parse_text(text: str) -> TextArticle:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        raise ParseError("empty file")
    for n, i in enumerate(nonblank[:_DATELINE_WINDOW]):
        date = parse_dateline(lines[i])
        if date is not None:
            return _parse_site_page(lines, nonblank, n, date)
    headline = lines[nonblank[0]].strip()
    body = _join_wrapped(lines[nonblank[0] + 1:])
    if not body:
        raise ParseError("no body text after the headline")
    return TextArticle(headline=headline, body=body)


def _parse_site_page(lines: list[str], nonblank: list[int], n: int, date: dt.datetime) -> TextArticle:
    site = lines[nonblank[0]].strip() if n > 0 else None
    rest = nonblank[n + 1:]
    if not rest:
        raise ParseError("no headline after the dateline")
    headline = lines[rest[0]].strip()
    start = rest[0] + 1
    # The site prints the headline twice.
    if len(rest) > 1 and lines[rest[1]].strip() == headline:
        start = rest[1] + 1
    end = len(lines)
    for i in range(start, len(lines)):
        if _FURNITURE.match(lines[i].strip()):
            end = i
            break
    body = _join_wrapped(lines[start:end])
    if not body:
        raise ParseError("no body text after the headline")
    return TextArticle(headline=headline, body=body, date=date, site=site)

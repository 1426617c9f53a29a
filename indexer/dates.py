"""Publication dates as publishers state them.

The day an article appeared is the day in the publisher's own time zone: a stated offset is
kept (an aware datetime), never folded into UTC, so `2020-02-15T07:00+09:00` stays the 15th.
A date without an offset is the publisher's wall-clock time (a naive datetime)."""
from __future__ import annotations

import datetime as dt
import re
import warnings
from typing import Callable

import htmldate
from dateutil import parser as dateutil_parser
from lxml.html import HtmlElement

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?"
                  r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?")
# Zone abbreviations news sites print; dateutil knows none of them by itself.
# Whole seconds: dateutil refuses a float offset (IST's 5.5 hours) with a TypeError.
_ZONES = {name: int(hours * 3600) for name, hours in {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
    "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}.items()}
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_DEFAULTS = (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2))
# /2020/11/27/, /2020-11-27/, -20200113, _20200113.html; the year is checked for plausibility.
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})([/_.-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")


def parse_iso_datetime(value: str | None) -> tuple[dt.datetime, bool] | None:
    """An ISO 8601 date → (datetime, has a time of day); aware when an offset is stated."""
    value = (value or "").strip()
    m = _ISO.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, tz = m.groups()
    try:
        when = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                           int(second or 0))
        if tz:
            when = when.replace(tzinfo=_offset(tz))
            when.astimezone(dt.timezone.utc)  # 0001-01-01T00:00+01:00 is no instant at all
    except (ValueError, OverflowError):
        return None
    return when, hour is not None


def _offset(tz: str) -> dt.timezone:
    if tz == "Z":
        return dt.timezone.utc
    digits = tz[1:].replace(":", "").ljust(4, "0")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return dt.timezone(delta if tz[0] == "+" else -delta)


def parse_stated_date(value: str | None) -> tuple[dt.datetime, bool] | None:
    """ISO 8601 first, then the free forms pages also put in metadata
    ("Tue, Sep 15 2020 10:01:41 EDT", "September 15, 2020 10:01 AM")."""
    found = parse_iso_datetime(value)
    if found or not value or not _YEAR.search(value) or len(value) > 80:
        return found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dateutil_parser.UnknownTimezoneWarning)
            # dateutil fills a missing day or month from its default: parsed against two
            # defaults, a value without a whole date ("2020", "September 2020") disagrees.
            when = dateutil_parser.parse(value, tzinfos=_ZONES, default=_DEFAULTS[0])
            other = dateutil_parser.parse(value, tzinfos=_ZONES, default=_DEFAULTS[1])
    except (ValueError, OverflowError):
        return None
    if when.date() != other.date():
        return None
    offset = when.utcoffset()
    if offset is not None:
        when = when.replace(tzinfo=dt.timezone(offset))
    return when, bool(re.search(r"\d:\d\d", value))


def date_from_url(url: str | None) -> dt.datetime | None:
    """The day a url names (/2020/11/27/, -20200113), or None."""
    if not url:
        return None
    path = re.sub(r"^\w+://[^/]+", "", url)
    for m in _URL_DATE.finditer(path):
        try:
            return dt.datetime(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            continue
    return None


def find_page_date(page: bytes | HtmlElement, url: str | None) -> dt.datetime | None:
    """htmldate's reading of the raw page (its bytes or its parsed tree, which htmldate copies
    before pruning): the original (published) day, searching the text too."""
    try:
        day = htmldate.find_date(page, original_date=True, extensive_search=True, url=url)
    except (ValueError, TypeError):
        return None
    return dt.datetime.strptime(day, "%Y-%m-%d") if day else None


# What a page's <meta> tags call the publication date, most explicit first (keys folded as
# htmlpage.page_meta folds them). Modified dates are never taken for published ones.
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "datepublished",
                   "article:published", "publishdate", "publish-date", "pubdate", "dc:date:issued",
                   "dcterms:issued", "dcterms:created", "dc:date", "date", "sailthru:date",
                   "parsely-pub-date", "originalpublicationdate", "article_date_original",
                   "cxenseparse:recs:publishtime", "og:published_time")


def page_date(meta: dict[str, str], ld_objects: list[dict], time_values: list[str], url: str | None,
              read_page: Callable[[], dt.datetime | None]) -> tuple[dt.datetime, bool] | None:
    """The publication date a page states.

    The article meta tag and the JSON-LD article's datePublished come first; when they
    disagree the earlier wins (the other is a re-publication or an update). Then other meta
    tags, <time datetime>, the url's day, and last `read_page()`, htmldate's reading of the
    raw page (called only then: it is the costly one)."""
    ld_dates = [obj.get(key) for key in ("datePublished", "dateCreated") for obj in ld_objects]
    primary = [_parsed(v) for v in [meta.get("article:published_time"), meta.get("og:article:published_time"),
                                    next((v for v in ld_dates if _parsed(v)), None)]]
    primary = [p for p in primary if p]
    if primary:
        return min(primary, key=lambda p: _instant(p[0]))
    for value in [meta.get(name) for name in _PUBLISHED_META] + time_values:
        found = _parsed(value)
        if found:
            return found
    day = date_from_url(url or meta.get("og:url")) or read_page()
    return (day, False) if day else None


def _parsed(value: object) -> tuple[dt.datetime, bool] | None:
    return parse_stated_date(value) if isinstance(value, str) else None


def _instant(when: dt.datetime) -> dt.datetime:
    """For comparing: a date without an offset is taken as UTC."""
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)

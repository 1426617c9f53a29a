"""Dates as a reader reads them: "7 January 2026", or "today", "yesterday", "3 days ago"
for the last days. The API keeps ISO 8601; only the pages say it this way."""
from __future__ import annotations

import datetime as dt

RELATIVE_DAYS = 6


def reader_date(iso: str | None, now: dt.datetime | None = None) -> str:
    """`iso` (a date, or a time with or without offset) in words; "" when undated. Relative
    days are counted in the publisher's own offset when the date states one."""
    if not iso:
        return ""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    now = now or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is not None:
        now = now.astimezone(when.tzinfo)
    days = (now.date() - when.date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if 1 < days <= RELATIVE_DAYS:
        return f"{days} days ago"
    return f"{when.day} {when:%B %Y}"


def month_label(value: str) -> str:
    """'2026-01' → 'January 2026'."""
    return f"{dt.date.fromisoformat(value + '-01'):%B %Y}"

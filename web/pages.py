"""The search page, its Atom feed and the OpenSearch description."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request, url_for

from indexer.store import IndexProblem
from searcher import Archive, QueryError
from searcher.results import FacetValue

from .params import PRESETS, request_from_args
from .reader_dates import month_label, reader_date
from .urls import article_link, link, public_url, reader_link, with_query

bp = Blueprint("pages", __name__)
FACET_TITLES = {"people": "People", "organisations": "Organisations", "places": "Places", "section": "Section"}
FEED_SIZE = 20
# Characters XML 1.0 cannot hold even escaped: one U+0001 in a headline makes the whole feed
# unreadable to every feed reader.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def archive() -> Archive:
    return current_app.extensions["newsdesk.archive"]


@dataclass
class Bar:
    label: str
    count: int
    x: float
    width: float
    height: float
    href: str


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Chart:
    """Articles per month on a time axis: one slot per calendar month from the first to the
    last, months without articles left empty."""

    bars: list[Bar]
    ticks: list[Tick]
    top: int
    first: str
    last: str


def _month_index(value: str) -> int:
    year, month = map(int, value.split("-"))
    return year * 12 + month - 1


def month_chart(months: list[FacetValue], width: float = 300.0, height: float = 60.0) -> Chart | None:
    """The chart's bars, each narrowing the dates to its month, and its axis labels: every
    year's January on a range of more than two years (thinned to fit), else the first and
    last month."""
    if not months:
        return None
    start, end = _month_index(months[0].value), _month_index(months[-1].value)
    slots = end - start + 1
    step = width / slots
    top = max(m.count for m in months)
    bars = []
    for m in months:
        year, month = map(int, m.value.split("-"))
        last = calendar.monthrange(year, month)[1]
        bars.append(Bar(
            label=month_label(m.value), count=m.count,
            x=round((_month_index(m.value) - start) * step, 2), width=round(max(step * 0.8, 1.0), 2),
            height=round(max(2.0, height * m.count / top), 2),
            href=link(since=f"{m.value}-01", until=f"{m.value}-{last:02d}", range=None)))
    first_year, last_year = start // 12, end // 12
    if slots > 24:
        every = max(1, -(-(last_year - first_year + 1) // 6))
        ticks = [Tick(round((y * 12 - start) * step, 2), str(y))
                 for y in range(first_year + 1, last_year + 1) if (y - first_year) % every == 0]
    else:
        ticks = [Tick(0.0, _short_month(months[0].value))]
        if slots > 1:
            ticks.append(Tick(width, _short_month(months[-1].value)))
    return Chart(bars=bars, ticks=ticks, top=top, first=month_label(months[0].value),
                 last=month_label(months[-1].value))


def _short_month(value: str) -> str:
    return f"{dt.date.fromisoformat(value + '-01'):%b %Y}"


def entity_chips(entities: dict[str, list[str]], limits: dict[str, int] | None = None) -> list[str]:
    """The names to show as chips, each once: a name filed under two kinds ("Chelsea" as a
    person and an organisation) is one chip."""
    limits = limits or {"people": 3, "organisations": 2, "places": 3}
    seen: dict[str, str] = {}
    for kind, limit in limits.items():
        for name in entities.get(kind, [])[:limit]:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


@bp.app_context_processor
def helpers():
    return {"link": link, "site_name": current_app.config["SITE_NAME"],
            "feed_link": lambda: with_query(url_for("pages.feed"), request.args),
            "hit_link": lambda hit: reader_link(hit.id, hit.url, hit.path), "entity_chips": entity_chips,
            "image_src": article_link}


@bp.app_template_filter("reader_date")
def reader_date_filter(iso: str | None) -> str:
    return reader_date(iso)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/search")
def search():
    args = request.args
    try:
        search_request = request_from_args(args)
    except QueryError as exc:
        return render_template("search.html", error=str(exc), result=None, req=None, args=args), 400
    if not search_request.query.strip() and not (search_request.entities or search_request.section
                                                 or search_request.since or search_request.until):
        return render_template("home.html")
    try:
        result = archive().search(search_request)
    except QueryError as exc:
        return render_template("search.html", error=str(exc), result=None, req=search_request, args=args), 400
    except IndexProblem as exc:
        return render_template("search.html", error=str(exc), result=None, req=search_request, args=args), 503
    return render_template(
        "search.html", result=result, req=search_request, args=args, error=None,
        facet_titles=FACET_TITLES, chart=month_chart(result.facets.get("month", [])),
        presets=PRESETS)


@bp.get("/search.atom")
def feed():
    try:
        search_request = request_from_args(request.args)
        search_request.sort, search_request.page, search_request.per_page = "newest", 1, FEED_SIZE
        result = archive().search(search_request)
    except QueryError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    except IndexProblem as exc:
        return Response(str(exc), status=503, mimetype="text/plain")
    entries = [FeedEntry(hit.headline or "(no headline)", _absolute(reader_link(hit.id, hit.url, hit.path)),
                         _entry_id(hit.id, hit.url),
                         atom_time(hit.date), hit.byline, hit.snippet) for hit in result.hits]
    body = render_template(
        "feed.xml", req=search_request, entries=entries,
        self_url=public_url("pages.feed", request.args), page_url=public_url("pages.search", request.args),
        updated=max((e.updated for e in entries), default=atom_time(None)))
    return Response(_NOT_XML.sub("", body), mimetype="application/atom+xml")


@dataclass
class FeedEntry:
    title: str
    link: str | None
    id: str
    updated: str
    author: str | None
    summary: str


def atom_time(iso: str | None) -> str:
    """An article's date as Atom's RFC 3339 time, UTC, to the second (undated: 1970)."""
    when = dt.datetime.fromisoformat(iso) if iso else dt.datetime(1970, 1, 1)
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    return when.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _absolute(href: str) -> str:
    """A link of this site's own (/article/…) as an absolute url a feed reader can follow."""
    if not href.startswith("/"):
        return href
    base = current_app.config.get("BASE_URL") or request.url_root
    return base.rstrip("/") + href[len(request.script_root):]


def _entry_id(article_id: str, url: str | None) -> str:
    """The article's url when it is a safe link, else a urn from its id: an Atom id must be
    an IRI and stay the same for the article."""
    return article_link(url) or "urn:newsdesk:" + quote(article_id, safe="")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the same icon."""
    return current_app.send_static_file("favicon.svg")


@bp.get("/opensearch.xml")
def opensearch():
    body = render_template("opensearch.xml", search_url=public_url("pages.search"),
                           feed_url=public_url("pages.feed"))
    return Response(_NOT_XML.sub("", body), mimetype="application/opensearchdescription+xml")

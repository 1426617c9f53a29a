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
from .urls import article_link, link, public_url, with_query

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
    month: str
    label: str
    count: int
    x: float
    height: float
    href: str


def month_bars(months: list[FacetValue], width: float = 300.0, height: float = 60.0) -> list[Bar]:
    """Articles per month as SVG bars; each bar narrows the dates to its month."""
    if not months:
        return []
    top = max(m.count for m in months)
    step = width / len(months)
    bars = []
    for i, m in enumerate(months):
        year, month = map(int, m.value.split("-"))
        last = calendar.monthrange(year, month)[1]
        bars.append(Bar(
            month=m.value, label=dt.date(year, month, 1).strftime("%B %Y"), count=m.count,
            x=round(i * step, 2), height=round(max(2.0, height * m.count / top), 2),
            href=link(since=f"{m.value}-01", until=f"{m.value}-{last:02d}", range=None)))
    return bars


@bp.app_context_processor
def helpers():
    return {"link": link, "article_link": article_link, "site_name": current_app.config["SITE_NAME"],
            "feed_link": lambda: with_query(url_for("pages.feed"), request.args)}


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
        facet_titles=FACET_TITLES, bars=month_bars(result.facets.get("month", [])),
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
    entries = [FeedEntry(hit.headline or "(no headline)", article_link(hit.url), _entry_id(hit.id, hit.url),
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


def _entry_id(article_id: str, url: str | None) -> str:
    """The article's url when it is a safe link, else a urn from its id: an Atom id must be
    an IRI and stay the same for the article."""
    return article_link(url) or "urn:newsdesk:" + quote(article_id, safe="")


@bp.get("/opensearch.xml")
def opensearch():
    body = render_template("opensearch.xml", search_url=public_url("pages.search"),
                           feed_url=public_url("pages.feed"))
    return Response(_NOT_XML.sub("", body), mimetype="application/opensearchdescription+xml")

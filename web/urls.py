"""The urls the site writes: links to its own pages, its public address, and which article
urls may become links.

Request parameters are never passed to url_for as keywords: `endpoint=`, `_method=` or
`_external=` in a reader's url would be taken as url_for's own arguments. And an absolute url
is built from the configured BASE_URL, not from the Host header a client sent."""
from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from flask import current_app, request, url_for
from werkzeug.datastructures import MultiDict

LINK_SCHEMES = ("http", "https")


def link(**changes) -> str:
    """The search page's url with this request's parameters, some changed (None removes
    one); a new search starts again at page 1."""
    args = MultiDict(request.args)
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        args.pop(key, None)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            args.add(key, item)
    return with_query(url_for("pages.search"), args)


def with_query(path: str, args: MultiDict) -> str:
    query = urlencode(list(args.items(multi=True)))
    return path + (f"?{query}" if query else "")


def public_url(endpoint: str, args: MultiDict | None = None) -> str:
    """An absolute url of one of the site's pages for readers elsewhere (feeds, browsers'
    search engines): under BASE_URL when configured, else under the address of this
    request."""
    path = url_for(endpoint)[len(request.script_root):]
    base = current_app.config.get("BASE_URL") or request.url_root
    return with_query(base.rstrip("/") + path, args or MultiDict())


def article_link(url: str | None) -> str | None:
    """An article's url when it may be a link (or an image's, a src): absolute http(s) only. An export's url field
    is data, and `javascript:`, `data:` or `//elsewhere` in an href runs or leads where the
    reader never chose."""
    if not url:
        return None
    url = url.strip()
    if any(ch <= " " or ch == "\x7f" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unclosed [IPv6 address
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not host:
        return None
    return url


def reader_link(article_id: str, url: str | None, path: str | None) -> str:
    """Where a hit's headline leads a reader: the article's own url when it is a safe link,
    else the public url URL_TEMPLATE makes of its file path, else its page on this site.
    Never a file path of the server."""
    own = article_link(url)
    if own:
        return own
    template = current_app.config.get("URL_TEMPLATE")
    if template and path:
        made = article_link(template.replace("{path}", quote(path, safe="/")))
        if made:
            return made
    return url_for("articles.article", article_id=article_id)

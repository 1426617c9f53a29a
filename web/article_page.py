"""An article's own page on the site: where a hit without a public url leads."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from indexer.store import IndexProblem
from searcher import Archive

bp = Blueprint("articles", __name__)
RELATED = 5


def archive() -> Archive:
    return current_app.extensions["newsdesk.archive"]


@bp.get("/article/<path:article_id>")
def article(article_id: str):
    try:
        found = archive().article(article_id)
        related = archive().related(article_id, limit=RELATED)
    except KeyError:
        abort(404, "No article has that address; it may have been removed from the archive.")
    except IndexProblem as exc:
        return render_template("search.html", error=str(exc), result=None, req=None, args={}), 503
    names = list(dict.fromkeys(n for kind in ("people", "organisations", "places") for n in found.entities[kind]))
    return render_template("article.html", article=found, related=related, names=names,
                           noindex=current_app.config.get("ARTICLE_NOINDEX", False))

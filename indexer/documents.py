"""An Article as the Whoosh field values of one document.

Made where the document is written (the segment-writing worker, or the parent for a small
commit): the story keys' MinHash is a fifth of a document's writing cost, and the parent
alone would make it for every article of a commit while the workers wait."""
from __future__ import annotations

from .article import Article
from .schema import ENTITY_FIELDS, ENTITY_SEARCH_FIELDS, join_names
from .stories import story_bands


def article_document(article: Article, source: str) -> dict:
    """An Article as Whoosh field values (the schema's field names)."""
    doc = {
        "id": article.id,
        "source": source,
        "url": article.url,
        "path": article.path,
        "headline": article.headline,
        "body": article.body,
    }
    if article.byline:
        doc["byline"] = article.byline
    if article.image:
        doc["image"] = article.image
    if article.section:
        doc["section"] = article.section.replace(",", " ")
    if article.date is not None:
        doc["date"] = article.date.replace(tzinfo=None)
        offset = article.date.utcoffset()
        if offset is not None:
            doc["date_offset"] = int(offset.total_seconds() // 60)
    all_names: list[str] = []
    for kind in ENTITY_FIELDS:
        names = getattr(article.entities, kind)
        if names:
            doc[kind] = join_names(names)
            doc[ENTITY_SEARCH_FIELDS[kind]] = " , ".join(names)
            all_names.extend(names)
    if all_names:
        doc["entity"] = " , ".join(all_names)
    bands = story_bands(article.body)
    if bands:
        doc["story"] = bands.encode()
    return doc


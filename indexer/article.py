"""The one record every input format is parsed into."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Entities:
    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.people, *self.organisations, *self.places]

    def as_dict(self) -> dict[str, list[str]]:
        return {"people": self.people, "organisations": self.organisations, "places": self.places}


@dataclass
class Article:
    """One article as parsed from a file; `id` is stable across reindexing."""

    id: str
    path: str
    body: str
    headline: str = ""
    url: str | None = None
    # Aware when the publisher stated an offset (kept as stated: its day is the local day).
    date: dt.datetime | None = None
    byline: str | None = None
    section: str | None = None
    # The picture for its thumbnail: an absolute http(s) url (indexer/image.py), or None.
    image: str | None = None
    entities: Entities = field(default_factory=Entities)
    # True when the date carries a time of day; a bare day is printed as YYYY-MM-DD.
    has_time: bool = False
    # True when `id` was made from the file's path (no url, no id of its own): a file with the
    # same relative path under another indexed folder needs a different one.
    path_id: bool = False

    def iso_date(self) -> str | None:
        if self.date is None:
            return None
        return self.date.isoformat() if self.has_time else self.date.date().isoformat()

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "url": self.url,
            "path": self.path,
            "headline": self.headline,
            "date": self.iso_date(),
            "byline": self.byline,
            "section": self.section,
            "image": self.image,
            "body": self.body,
            "entities": self.entities.as_dict(),
        }

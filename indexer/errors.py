"""The one exception a parser raises for a file it cannot turn into articles, and the one
warning for a field it had to drop."""


class ParseError(Exception):
    """A file we refuse, with a reason short enough for a one-line message."""


def dropped_date(value: object) -> str:
    """The warning for a stated date no datetime can hold: the article is kept without it."""
    return f"unusable date {str(value)[:40]!r} dropped; the article is indexed undated"

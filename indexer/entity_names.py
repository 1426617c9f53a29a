"""How one name is written: the folding table (aliases, party plurals), titles, and the
clean-up that makes every mention of a name compare equal. The one place spellings are folded."""
from __future__ import annotations

import re

# Spellings of one name, folded to the form readers search for (dots and case are ignored:
# U.S. = US). Folding also fixes the kind ("US" is tagged ORG or GPE depending on the sentence).
FOLDS: list[tuple[str, str, list[str]]] = [
    ("United States", "places", ["US", "USA", "United States of America", "America"]),
    ("United Kingdom", "places", ["UK", "Britain", "Great Britain"]),
    ("European Union", "organisations", ["EU"]),
    ("United Nations", "organisations", ["UN"]),
    ("International Monetary Fund", "organisations", ["IMF"]),
    ("Soviet Union", "places", ["USSR"]),
    ("United Arab Emirates", "places", ["UAE"]),
    ("Los Angeles", "places", ["LA"]),
    ("New York", "places", ["NY"]),
    ("Liberal Democrats", "organisations", ["Lib Dems", "Lib Dem", "Liberal Democrat", "LibDems"]),
    ("Conservatives", "organisations", ["Conservative Party", "Tories", "Tory Party"]),
    ("Labour", "organisations", ["Labour Party", "New Labour"]),
]


def fold_key(name: str) -> str:
    """What two spellings of one name share: no dots, no case, single spaces."""
    return " ".join(name.replace(".", "").split()).casefold()


ALIASES: dict[str, tuple[str, str]] = {
    fold_key(variant): (canonical, kind)
    for canonical, kind, variants in FOLDS for variant in [canonical, *variants]
}

# The spellings of two words or more, as written: where the model names only their start.
_LONG_VARIANTS = sorted({v for canonical, _, variants in FOLDS for v in [canonical, *variants] if " " in v},
                        key=len, reverse=True)
_WORD_CHAR = re.compile(r"\w")


def longer_alias(text: str, start: int, end: int) -> int:
    """The end of the folding table's longer spelling that `text` writes from `start` when
    the model named only its start ("Liberal" of "Liberal Democrat leader"); else `end`."""
    span = text[start:end].casefold()
    for variant in _LONG_VARIANTS:
        stop = start + len(variant)
        if (stop > end and variant.casefold().startswith(span) and text[start:stop].casefold() == variant.casefold()
                and not _WORD_CHAR.match(text, stop)):
            return stop
    return end


_TITLES = re.compile(
    r"^(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady|Gen|Lt|Col|Capt|Sgt|Adm|Rep|Sen|Gov|"
    r"President|Prime Minister|Minister|Secretary|Chancellor|King|Queen|Prince|Princess|Pope|"
    r"Judge|Justice|Rev|Father|General|Admiral|Senator|Governor)\.?\s+)+",
    re.IGNORECASE,
)
_TITLE_BEFORE = re.compile(_TITLES.pattern[1:] + r"$", re.IGNORECASE)
# A possessive ending in any case: "Putin's", "WEST GERMANY'S", "Jones'".
_POSSESSIVE = re.compile(r"(?:['’][sS]|(?<=[sS])['’])$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# A trailing full stop that belongs to the name: initials ("N.M.", "U.S.") and short
# abbreviations ("Corp.", "Inc.", "Jr.", "Co.").
_ABBREVIATION_END = re.compile(r"(?:^|\s)(?:(?:[^\W\d_]\.){2,}|[A-Z][a-z]{1,3}\.)$")
_EDGE = " \t\"'“”‘’()[]{},;:-–—"


def normalise(text: str) -> str:
    """Strip what varies between mentions of one name: spacing, quotes, a leading "the", a
    possessive, a sentence's full stop (not an abbreviation's)."""
    text = re.sub(r"\s+", " ", text).strip(_EDGE)
    text = _LEADING_THE.sub("", text)
    text = _POSSESSIVE.sub("", text).strip(_EDGE)
    while text.endswith(".") and not _ABBREVIATION_END.search(text):
        text = text[:-1].rstrip(_EDGE)
    return text


def has_title_before(text: str, start: int) -> bool:
    """A title right before `start` ("Mr " before "Blair")."""
    return bool(_TITLE_BEFORE.search(text, max(0, start - 40), start))


def strip_title(name: str) -> str:
    """ "Gen. Mark Milley" → "Mark Milley"; a bare title stays as it is."""
    stripped = _TITLES.sub("", name).strip()
    return stripped or name


def canonical(name: str, kind: str) -> tuple[str, str]:
    """The folded (name, kind) of a spelling; unknown names keep theirs."""
    return ALIASES.get(fold_key(name), (name, kind))

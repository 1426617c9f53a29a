"""The search's fast paths give Whoosh's own answers: match sets (searcher.docsets), ranking
(one by one, term by term in searcher.bulk_scores, or by block-skipping collector), decoded-block reuse and bisecting skips
(searcher.block_cache), field lengths read in one piece (indexer.whoosh_patches), tokens with each
word analysed once (searcher.tokens), plain words parsed without the parser (searcher.query)."""
import math
import shutil

import pytest
from whoosh import collectors
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer import whoosh_patches
from indexer.lean_postings import lean_postings
from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, SearchRequest, archive as archive_module, block_cache, bulk_scores, docsets, tokens
from searcher import query as query_module, scoring
from searcher.query import parse_query

from .conftest import corpus

QUERIES = ["year", "oil prices", "oil OR gas", "oil -gas", "+oil gas", "headline:oil", "econom*",
           "governmnt~", '"prime minister"', "(oil OR gas) AND prices NOT opec", "mobile phone",
           "chelsea", "film award", "-oil", "ziggurat", "tax cuts election", '"mobile phone"', "e-mail",
           '"oil prices" -opec', '"said it would"', 'headline:"chief executive" OR broadband', '"oil ziggurat"', '"chief executive officer"']


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Archive:
    """BBC business and tech in two segments, then 40 articles deleted: live and deleted
    documents side by side."""
    src = tmp_path_factory.mktemp("bbc-src")
    for section in ("business", "tech"):
        shutil.copytree(corpus("bbc-news", section), src / section)
    root = tmp_path_factory.mktemp("bbc-deletions") / "ix"
    update_index([src], IndexDir(root), with_entities=False, workers=2)
    for path in sorted((src / "business").glob("*.txt"))[::12][:40]:
        path.unlink()
    assert update_index([src], IndexDir(root), with_entities=False).deleted == 40
    return Archive(root)


@pytest.mark.parametrize("match", ["all", "any"])
def test_match_sets_are_whooshs(business, match):
    scored = 0
    with business.view() as view:
        assert len(view.reader.leaf_readers()) > 1
        assert view.reader.has_deletions()
        for text in QUERIES:
            q = parse_query(text, view.searcher.schema, view.reader, match).query
            expected = sorted(view.searcher.docs_for_query(q))
            found = docsets.matching_docs(view.searcher, q, deadline=math.inf)
            assert found.docs == expected, text
            assert not found.partial
            with_scores = bulk_scores.all_scores(view.searcher, q, deadline=math.inf)
            if with_scores is not None:
                assert with_scores.docs.tolist() == expected, text
                scored += 1
    assert scored >= 17


def _exhaustive(archive: Archive, text: str, match: str, limit: int) -> list[tuple[str, float]]:
    """Every match scored by Whoosh's collector, no skipping: the ranking to match."""
    with archive.view() as view:
        searcher = view.searcher
        q = parse_query(text, searcher.schema, view.reader, match).query
        with view.weighting(recency=True):
            collector = collectors.TopCollector(limit, usequality=False, replace=0)
            searcher.search_with_collector(q, collector)
            top = collector.results().top_n
        return [(searcher.stored_fields(d)["id"], round(score, 4)) for score, d in top]


RANKED = ["year", "oil prices", "mobile phone", "(oil OR gas) AND prices NOT opec", "econom*",
          "oil -gas", "+oil gas", "headline:oil OR prices", "section:business shares", "chelsea film award", '"oil prices"',
          '"mobile phones" OR broadband', "e-mail", '"chief executive" -oil', '"said it would"']


@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("path", ["one by one", "term by term", "collector"])
def test_every_ranking_path_gives_the_exhaustive_ranking(business, monkeypatch, path, match):
    monkeypatch.setattr(archive_module, "SCORE_EACH_MAX", 10 ** 9 if path == "one by one" else 0)
    bulk_answers = []
    real = bulk_scores.all_scores
    monkeypatch.setattr(bulk_scores, "all_scores", lambda *args: None if path != "term by term"
                        else bulk_answers.append(real(*args)) or bulk_answers[-1])
    compared = by_bulk = 0
    for text in RANKED:
        result = business.search(SearchRequest(query=text, match=match, per_page=30, collapse=False))
        if result.notice or result.total <= 30:  # widened to "any", or too few to rank
            continue
        assert [(h.id, h.score) for h in result.hits] == _exhaustive(business, text, match, 30), text
        compared += 1
        by_bulk += path == "term by term" and bulk_answers[-1] is not None
    assert compared >= 10
    if path == "term by term":  # bulk_scores ranked all, the wildcard too, but (in "any"
        # mode) the OR NOT the parser makes of the query with NOT
        assert by_bulk == compared - (match == "any")


@pytest.fixture
def decoded(monkeypatch) -> list[int]:
    """One entry per posting block decoded while the test runs."""
    counted: list[int] = []
    real = block_cache._decode
    monkeypatch.setattr(block_cache, "_decode", lambda m: (counted.append(1), real(m)))
    return counted


def test_decoded_blocks_are_reused_within_a_search_and_dropped_after(business, decoded):
    with business.view() as view:
        q = parse_query("oil prices", view.searcher.schema, view.reader, "all").query
        with block_cache.decoded_blocks():
            first = docsets.matching_docs(view.searcher, q, deadline=math.inf)
            once = len(decoded)
            assert docsets.matching_docs(view.searcher, q, deadline=math.inf) == first
            assert len(decoded) == once > 0
        docsets.matching_docs(view.searcher, q, deadline=math.inf)
        assert len(decoded) == 2 * once


def test_skip_to_lands_where_whoosh_steps_to(business):
    with business.view() as view:
        leaf = view.reader.leaf_readers()[0][0]
        ids = list(leaf.postings("body", "said").all_ids())
        assert len(ids) > 300  # several blocks
        for target in range(ids[-1] + 2):
            matcher = leaf.postings("body", "said")
            matcher.skip_to(target)
            expected = next((i for i in ids if i >= target), None)
            assert (matcher.id() if matcher.is_active() else None) == expected, target
        walking = leaf.postings("body", "said")
        for target in range(0, ids[-1], 3):
            walking.skip_to(target)
            assert walking.id() == next(i for i in ids if i >= target), target


def test_field_lengths_read_in_one_piece_equal_whooshs(business):
    with business.view() as view:
        for leaf, _ in view.reader.leaf_readers():
            for field in ("headline", "body"):
                for name, kind in ((whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN),
                                   (whoosh_patches.exact_length_column(field), whoosh_patches.EXACT_LENGTHS_COLUMN)):
                    column = leaf._perdoc.column_reader(name, kind)
                    assert list(whoosh_patches._load_lengths(column)) == list(column.load())


def test_field_lengths_are_exact_token_counts(business):
    """BM25 normalises by each article's own length: the analyzer's token count, not
    Whoosh's one-byte rounding of it (a 1,000-word body was scored as 1,102 words)."""
    rounded = 0
    with business.view() as view:
        schema = view.searcher.schema
        for docnum, stored in view.reader.iter_docs():
            for field in ("headline", "body"):
                words = len(list(schema[field].analyzer(stored[field])))
                assert view.reader.doc_field_length(docnum, field) == words, (docnum, field)
                rounded += byte_to_length(length_to_byte(words)) != words
    assert rounded > 500  # lengths Whoosh's byte would have changed


def test_score_bounds_hold_at_exact_lengths(business):
    """The block-skipping collector passes over a block whose bound is below its best:
    every score is within its term's bound and its block's, though both come from
    rounded-up minimum lengths."""
    tight = 0
    with business.view() as view:
        for leaf_searcher, _ in view.searcher.leaf_searchers():
            for word in ("said", "oil", "year", "market", "firm"):
                matcher = leaf_searcher.postings("body", word, weighting=scoring.NewsBM25F())
                bound = matcher.max_quality()
                while matcher.is_active():
                    score = matcher.score()
                    assert score <= matcher.block_quality() and score <= bound, (word, matcher.id())
                    tight += score > bound * 0.99
                    matcher.next()
    assert tight  # some score comes near its bound


def test_tokens_are_the_analyzers(business):
    """Stored headlines and bodies through the schema's text and name analyzers and one whose
    stop words leave gaps: the tokens, positions (from the first token's) and offsets of
    Whoosh's analyzer; a filter that is not per token makes it run Whoosh's own."""
    from whoosh.analysis import NgramFilter, StopFilter

    def relative(found):
        found = list(found)
        first = found[0][1] if found else 0
        return [(w, p - first, s, e) for w, p, s, e in found]

    with business.view() as view:
        schema = view.searcher.schema
        body = schema["body"].analyzer
        gappy = body.items[0] | body.items[1] | StopFilter(renumber=False) | body.items[-1]
        ngrams = body.items[0] | NgramFilter(3)
        assert tokens._plain(ngrams) is None and tokens._plain(body) is not None
        stored = [f for _, f in zip(range(300), view.searcher.all_stored_fields())]
        texts = [t for f in stored for t in (f.get("headline", ""), f.get("body", ""))]
        texts += ["Café Zürich's CEO, e-mail: 3.141 big-time under_score", "The the THE", ""]
        for analyzer in (body, schema["headline"].analyzer, schema["person"].analyzer, gappy, ngrams):
            for text in texts:
                expected = ((t.text, t.pos, t.startchar, t.endchar)
                            for t in analyzer(text, positions=True, chars=True, mode="index"))
                assert relative(tokens.tokens(text, analyzer)) == relative(expected), text[:80]
        kept = list(tokens.tokens(texts[1], body, {"said"}.__contains__))
        assert kept and {w for w, *_ in kept} == {"said"}


def test_analyzers_that_analyse_alike_share_their_words(business):
    """The headline's and body's analyzers, and those of a schema read afresh (each commit's),
    share one table of analysed words; an analyzer whose stemmer ignores other words, which
    Whoosh's == counts as equal, and the names' analyzer keep their own."""
    from whoosh import index
    from whoosh.analysis import StemFilter

    with business.view() as view:
        schema = view.searcher.schema
        again = index.open_dir(str(view.gen)).schema
        body = schema["body"].analyzer
        ignoring = body.items[0] | body.items[1] | body.items[2] | body.items[3] | StemFilter(ignore=["running"])
        assert ignoring == body  # Whoosh's own comparison
        shared = tokens._plain(body).forms
        assert tokens._plain(schema["headline"].analyzer).forms is shared
        assert tokens._plain(again["body"].analyzer).forms is shared
        assert tokens._plain(ignoring).forms is not shared and tokens._plain(schema["entity"].analyzer).forms is not shared
        assert tokens.forms("running", body) == [t.text for t in body("running")] != ["running"]
        assert tokens.forms("running", ignoring) == ["running"]
        # More analyzers than are kept (a server's threads over several commits): the words
        # analysed so far stay with the newest when the kept analyzers are let go.
        for _ in range(tokens.MAX_ANALYZERS + 4):
            newest = index.open_dir(str(view.gen)).schema["body"].analyzer
            assert "running" in tokens._plain(newest).forms
        assert len(tokens._forms) <= tokens.MAX_ANALYZERS


def test_unstemmed_forms_are_the_analyzers_without_morphology(business):
    """Spelling's reading of typed words: the body analyzer with no_morph, word by word, on
    stored text and on words the stemmer changes; a stop word gives nothing."""
    with business.view() as view:
        body = view.searcher.schema["body"].analyzer
        stored = [f for _, f in zip(range(200), view.searcher.all_stored_fields())]
        words = {w for f in stored for w in f.get("body", "").split()} | {"Governments", "running", "the", "Zürich"}
        for word in sorted(words):
            assert tokens.unstemmed_forms(word, body) == [t.text for t in body(word, no_morph=True)], word
        assert tokens.unstemmed_forms("Governments", body) == ["governments"]
        assert tokens.unstemmed_forms("the", body) == []


def test_kept_term_infos_are_the_segments_records(business):
    """Term infos, document frequencies and membership read through the kept infos
    (indexer.whoosh_patches) equal the segment's own records, read again and asked twice;
    a term no segment has is not found."""
    from whoosh.reading import TermNotFound

    with business.view() as view:
        for leaf, _ in view.reader.leaf_readers():
            terms = leaf._terms
            for (fieldname, btext), _ in zip(terms.terms(), range(0, 3000)):
                raw = whoosh3.W3TermInfo.from_bytes(terms._tindex[terms._keycoder(fieldname, btext)])
                for _ in range(2):
                    info = terms.term_info(fieldname, btext)
                    assert (info.doc_frequency(), info.weight(), info.max_weight(), info.min_length(),
                            info.is_inlined(), info.is_inlined() or info._offset) == (
                        raw.doc_frequency(), raw.weight(), raw.max_weight(), raw.min_length(),
                        raw.is_inlined(), raw.is_inlined() or raw._offset)
                    assert terms.doc_frequency(fieldname, btext) == raw.doc_frequency()
                    assert (fieldname, btext) in terms
            with pytest.raises(TermNotFound):
                terms.term_info("body", b"zzqxjunknown")
            assert ("body", b"zzqxjunknown") not in terms
            assert leaf.doc_frequency("body", "zzqxjunknown") == 0


def test_related_ranks_as_whooshs_collector(business, monkeypatch):
    """related() scores its query term by term (bulk_scores): its articles are Whoosh's own
    exhaustive ranking of that query, the article's story left out, with the same scores,
    skipping only articles of a story already listed."""
    from whoosh import query

    asked = []
    real = bulk_scores.all_scores

    def recording(searcher, q, deadline):
        asked.append(q)
        return real(searcher, q, deadline)

    monkeypatch.setattr(archive_module.bulk_scores, "all_scores", recording)
    checked = 0
    with business.view() as view:
        searcher = view.searcher
        story = view.stories()
        live = list(view.reader.all_doc_ids())
        for docnum in live[::len(live) // 12]:
            article_id = searcher.stored_fields(docnum)["id"]
            got = [(hit.id, hit.score) for hit in business.related(article_id)]
            twins = [d for d in range(len(story)) if story[d] == story[docnum]]
            mask = query.Or([query.Term("id", searcher.stored_fields(d)["id"]) for d in twins])
            with view.weighting(recency=True):
                ranked = [(hit["id"], round(hit.score, 4), hit.docnum)
                          for hit in searcher.search(asked[-1], limit=None, mask=mask)]
            assert got, article_id
            order = [r[0] for r in ranked]
            places = [order.index(i) for i, _ in got]
            assert places == sorted(places) and [ranked[p][1] for p in places] == [s for _, s in got]
            listed = {story[ranked[p][2]] for p in places}
            skipped = [r for r in ranked[:places[-1]] if r[0] not in dict(got)]
            assert all(story[d] in listed for _, _, d in skipped), article_id
            checked += 1
    assert checked >= 10


def test_plain_words_parse_as_the_parser_parses_them(business, monkeypatch):
    """Queries of plain words, which searcher.query builds without Whoosh's parser: the
    parser's own query for every word of 300 stored headlines, alone and in random twos and
    threes, with capitals, digits, stop words and operator words, matching all or any."""
    import random

    rng = random.Random(7)
    with business.view() as view:
        schema, reader = view.searcher.schema, view.reader
        stored = [f for _, f in zip(range(300), view.searcher.all_stored_fields())]
        words = sorted({w for f in stored for w in f.get("headline", "").split()})
        texts = words + [" ".join(rng.sample(words, k)) for k in (2, 3) for _ in range(500)]
        texts += ["the oil", "oil and gas", "Oil AND gas", "oil OR", "not oil", "to", "the", "2004 profits",
                  "BLAIR AND BROWN", "oil  \t prices"]
        fast = 0
        for text in texts:
            for match in ("all", "any"):
                got = parse_query(text, schema, reader, match)
                cleaned = query_module.clean_text(text)
                fast += query_module._plain_query(cleaned, schema, match, cleaned, reader) is not None
                with monkeypatch.context() as patched:
                    patched.setattr(query_module, "_plain_query", lambda *args: None)
                    assert got == parse_query(text, schema, reader, match), (text, match)
    assert fast > len(texts)


def test_scores_decode_no_block_and_blocks_read_whole_are_kept(business, decoded, monkeypatch):
    """bulk_scores reads a term's ids and weights from its segment's lean postings,
    decoding no posting block; a segment without them (written before them) has its
    postings kept once read whole: the same search again decodes no block. Every match
    scores the same all three ways."""
    with business.view() as view:
        q = parse_query("shares OR profits", view.searcher.schema, view.reader, "all").query
        with block_cache.decoded_blocks():
            lean = bulk_scores.all_scores(view.searcher, q, deadline=math.inf)
        assert len(lean.docs) > 100 and not decoded
        monkeypatch.setattr(bulk_scores, "lean_term", lambda leaf, fieldname, btext: None)
        monkeypatch.setattr(bulk_scores, "_POSTINGS", bulk_scores._PostingsCache())
        with block_cache.decoded_blocks():
            first = bulk_scores.all_scores(view.searcher, q, deadline=math.inf)
        read = len(decoded)
        with block_cache.decoded_blocks():
            again = bulk_scores.all_scores(view.searcher, q, deadline=math.inf)
    assert read > 0 and len(decoded) == read
    for other in (first, again):
        assert other.docs.tolist() == lean.docs.tolist() and other.scores.tolist() == lean.scores.tolist()


def test_lean_postings_are_the_blocks_postings(business):
    """Every term of every segment (fields of text, keywords and ids) has in the lean
    postings (indexer.lean_postings) the ids and weights its Whoosh blocks hold, and a
    term of a field with positions each posting's positions."""
    checked = with_positions = 0
    with business.view() as view:
        for leaf, _ in view.reader.leaf_readers():
            lean = lean_postings(leaf)
            assert lean is not None
            fields = set()
            for fieldname, btext in leaf.all_terms():
                info = leaf._terms.term_info(fieldname, btext)
                postings = leaf._terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
                ids, weights = [], []
                for block in docsets.blocks(postings, None):
                    block._read_ids()
                    block._read_weights()
                    ids.extend(block._ids)
                    weights.extend(block._weights)
                got = lean.get(info._offset)
                assert got[0].tolist() == ids and got[1].tolist() == weights, (fieldname, btext)
                field_format = leaf.schema[fieldname].format
                if field_format.supports("positions") and not info.is_inlined():
                    # Every posting's positions, as the blocks' values decode them.
                    postings = leaf._terms.matcher(fieldname, btext, field_format)
                    expected = []
                    for block in docsets.blocks(postings, None):
                        block._read_values()
                        expected += [p for value in block._values for p in field_format.decode_positions(value)]
                    positions, of = lean.positions_of(info._offset, got[0])
                    assert positions.tolist() == expected, (fieldname, btext)
                    assert of.tolist() == [d for d, v in zip(ids, _values(leaf, fieldname, btext))
                                           for _ in field_format.decode_positions(v)]
                    with_positions += 1
                fields.add(fieldname)
                checked += 1
            assert {"headline", "body", "section", "id"} <= fields
    assert checked > 20_000 and with_positions > 10_000


def _values(leaf, fieldname: str, btext: bytes) -> list[bytes]:
    postings = leaf._terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
    values = []
    for block in docsets.blocks(postings, None):
        block._read_values()
        values += block._values
    return values


def test_phrases_from_lean_positions_match_whooshs_and_old_segments_read_blocks(business, monkeypatch):
    """Phrases of two and three words side by side in stored bodies, words of one body in
    another order, a headline's first two words: the documents Whoosh's phrase matcher finds,
    from the lean positions, from a lean file without positions (NDLEAN01, written before
    them) and with no lean file at all."""
    import random

    from indexer import lean_postings as lean_module
    from whoosh import query

    rng = random.Random(7)
    with business.view() as view:
        searcher = view.searcher
        analyzer = searcher.schema["body"].analyzer
        stored = [f for _, f in zip(range(60), searcher.all_stored_fields())]
        phrases = []
        for fields in stored:
            words = [t.text for t in analyzer(fields.get("body", ""))]
            for n in (2, 3):
                at = rng.randrange(max(1, len(words) - n))
                phrases.append(("body", words[at:at + n]))
            phrases.append(("body", rng.sample(words, 2)))
            phrases.append(("headline", [t.text for t in analyzer(fields.get("headline", ""))][:2]))
        phrases = [(f, w) for f, w in phrases if len(w) > 1]
        expected = [sorted(searcher.docs_for_query(query.Phrase(f, w))) for f, w in phrases]
        assert sum(map(bool, expected)) > 100

        def found():
            return [docsets.matching_docs(searcher, query.Phrase(f, w), deadline=math.inf).docs for f, w in phrases]

        assert found() == expected
        for leaf, _ in view.reader.leaf_readers():
            lean = lean_postings(leaf)
            leaf._newsdesk_lean = lean_module.LeanPostings.parse(_ids_only(lean))
            assert leaf._newsdesk_lean.positions is None
        assert found() == expected
        for leaf, _ in view.reader.leaf_readers():
            leaf._newsdesk_lean = None
        assert found() == expected
        for leaf, _ in view.reader.leaf_readers():
            del leaf._newsdesk_lean  # read again from the segment by the next search


def _ids_only(lean) -> bytes:
    """The NDLEAN01 file (ids and weights, no positions) of the same postings."""
    from array import array

    from indexer import lean_postings as lean_module

    terms, postings = len(lean.offsets), lean.starts[-1]
    (id_type, docs_at), (weight_type, weights_at) = lean.docs, lean.weights
    kinds = (id_type.char + weight_type.char).encode().ljust(16, b"\0")
    arrays = bytes(lean.buf[docs_at:weights_at + weight_type.itemsize * postings])
    return (lean_module.IDS_ONLY + array("Q", [terms, postings]).tobytes() + kinds + bytes(lean.offsets.cast("B"))
            + bytes(lean.starts.cast("B")) + arrays)


def test_term_spans_are_the_analyzers_tokens(business):
    """term_spans (searcher.tokens, the snippets' words without phrases) finds the tokens
    of Whoosh's analyzer whose form is wanted, at their characters: stored headlines and
    bodies and texts of dots, stars, accents and apostrophes, wanting some of each text's
    forms and one no text has."""
    import random

    rng = random.Random(11)
    with business.view() as view:
        schema = view.searcher.schema
        stored = [f for _, f in zip(range(300), view.searcher.all_stored_fields())]
        texts = [t for f in stored for t in (f.get("headline", ""), f.get("body", ""))]
        texts += ["U.S. oil.price a..oil *oil* oil. Oil's oil", "oil.oil..oil.", "Café cafés CAFE café.", "",
                  "“Oil” rose; Ölpreis, Éclairs éclair’s x.Éclair é.oil 3.5 Ĺ ﬁnal", "ÉCLAIR—oil’s"]
        for analyzer in (schema["body"].analyzer, schema["headline"].analyzer, schema["person"].analyzer):
            for text in texts:
                every = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index")]
                forms = sorted({form for form, _, _ in every})
                wanted = set(rng.sample(forms, min(len(forms), rng.randint(1, 4)))) | {"ziggurat"}
                assert tokens.term_spans(text, analyzer, wanted) == [t for t in every if t[0] in wanted], text[:80]


def test_phrase_tokens_find_the_phrases_the_analyzers_positions_find(business):
    """phrase_tokens (the snippets' words when the query has phrases) place every phrase
    where Whoosh's positions do: phrases of words side by side in stored headlines and
    bodies, across stop words and punctuation, and of words apart, through the schema's
    analyzers and one whose stop words leave gaps; besides the phrase, other wanted words."""
    import random
    from whoosh.analysis import StopFilter

    def places(found, phrase):
        found = [t for t in found if t[0] in phrase]
        n = len(phrase)
        return [(found[i][2], found[i + n - 1][3]) for i in range(len(found) - n + 1)
                if all(found[i + k][0] == phrase[k] and found[i + k][1] == found[i][1] + k for k in range(n))]

    rng = random.Random(5)
    checked = 0
    with business.view() as view:
        schema = view.searcher.schema
        body = schema["body"].analyzer
        gappy = body.items[0] | body.items[1] | body.items[2] | StopFilter(renumber=False) | body.items[-1]
        stored = [f for _, f in zip(range(300), view.searcher.all_stored_fields())]
        texts = [t for f in stored for t in (f.get("headline", ""), f.get("body", ""))]
        texts += ["Bank of England, bank. England; the Bank of the England", "oil oil oil price oil", ""]
        for analyzer in (body, schema["headline"].analyzer, gappy):
            for text in texts:
                every = [(t.text, t.pos, t.startchar, t.endchar)
                         for t in analyzer(text, positions=True, chars=True, mode="index")]
                if len(every) < 3:
                    continue
                i = rng.randrange(len(every) - 2)
                apart = rng.sample(every, 2)
                for phrase in ({every[i][0]: 0, every[i + 1][0]: 0}, dict.fromkeys(t[0] for t in every[i:i + 3]),
                               dict.fromkeys(t[0] for t in apart)):
                    phrase = tuple(phrase)
                    wanted = set(phrase) | {rng.choice(every)[0], "ziggurat"}
                    expected = [t for t in every if t[0] in wanted]
                    found = tokens.phrase_tokens(text, analyzer, wanted)
                    assert [(w, s, e) for w, _, s, e in found] == [(w, s, e) for w, _, s, e in expected]
                    assert places(found, phrase) == places(expected, phrase), (phrase, text[:80])
                    checked += bool(places(expected, phrase))
    assert checked > 500


def test_a_words_form_starts_with_its_first_letter_folded(business):
    """term_spans analyses only a text's words that start as a wanted form does: sound only if
    the filters (lower-case, fold, stop words, Porter) never change a word's first letter
    but to lower-case and fold it. Every word of 300 stored articles and some hard cases."""
    from indexer.analysis import filtered

    with business.view() as view:
        schema = view.searcher.schema
        stored = [f for _, f in zip(range(300), view.searcher.all_stored_fields())]
        words = {w for f in stored for t in (f.get("headline", ""), f.get("body", ""))
                 for w in tokens._DOTTED_WORDS_WHOLE.findall(t)}
        words |= {"İstanbul", "Æsir", "ß", "Øresund", "ies", "sses", "Ébauches", "ÉTATS", "ǅemal", "x*"}
        checked = 0
        for name in ("body", "headline", "person"):
            analyzer = schema[name].analyzer
            charmap = tokens._plain(analyzer).charmap
            assert charmap is not None, name
            for word in words:
                form = filtered(word, analyzer.items[1:])
                if form is not None:
                    assert form[:1] == word[:1].lower().translate(charmap)[:1], (name, word, form)
                    checked += 1
        assert checked > 20_000


def test_name_codes_joined_from_segments_are_those_of_every_document(business):
    """A commit's name codes, joined from its segments' (two, with deletions), number and
    place every name as NameCodes.of over every document's names does (months: see
    test_search's commit test)."""
    from searcher.name_codes import NameCodes

    def same(a: NameCodes, b: NameCodes) -> bool:
        return a.names == b.names and a.codes.tolist() == b.codes.tolist() and a.offsets.tolist() == b.offsets.tolist()

    with business.view() as view:
        assert len(view.reader.leaf_readers()) == 2
        for kind in ("people", "organisations", "places", "section"):
            assert same(view.tables.name_codes(view.reader, kind), NameCodes.of(view.names_by_doc(kind))), kind
    assert same(NameCodes.joined([]), NameCodes.of([]))


def test_facet_codes_count_as_the_regrouped_counter_of_the_names(business):
    """searcher.name_codes counts the facets' names of a set of matches in arrays, every
    facet field and the months in one pass, names already under the kind the archive gives
    them: for each facet, the Counter of the matches' name tuples chained and then
    regrouped (indexer.entity_kinds.regroup), its names most first and equal counts by name,
    on random sets of articles (none, a few, most), deleted articles' numbers included;
    the first few of them when asked for a few."""
    import random
    from collections import Counter
    from itertools import chain

    import numpy as np

    from indexer import entity_kinds
    from searcher.archive import FACET_FIELDS

    rng = random.Random(3)
    with business.view() as view:
        n = view.reader.doc_count_all()
        kinds = view.entity_kinds()
        codes = view.facet_codes()
        for size in (0, 1, 25, n // 2, n):
            docs = sorted(rng.sample(range(n), size))
            found = codes.counts(np.array(docs, dtype=np.int64))
            chained = {kind: Counter(chain.from_iterable(map(view.names_by_doc(kind).__getitem__, docs)))
                       for kind in FACET_FIELDS}
            chained["month"] = Counter(m for m in map(view.months_by_doc().__getitem__, docs) if m)
            expected = entity_kinds.regroup(chained, kinds)
            for kind in (*FACET_FIELDS, "month"):
                ordered = sorted(expected[kind].items(), key=lambda item: (-item[1], item[0]))
                assert codes.top(found, kind) == ordered, (kind, size)
                assert codes.top(found, kind, 3) == ordered[:3], (kind, size)
        assert any(codes.top(codes.counts(np.arange(n)), kind) for kind in FACET_FIELDS)


def test_name_counts_count_live_articles_only(business):
    """The archive-wide name counts (suggestions, stats, the kinds names are given) are
    counted in arrays over the live articles: the Counter of each live article's names, the
    40 deleted ones left out."""
    from collections import Counter

    with business.view() as view:
        live = list(view.reader.all_doc_ids())
        assert len(live) == view.reader.doc_count_all() - 40
        assert view.tables.live_docs(view.reader).tolist() == live
        for kind in ("section", "people"):
            names = view.names_by_doc(kind)
            expected = Counter()
            for docnum in live:
                expected.update(names[docnum])
            assert view.name_counts(kind) == expected, kind
        assert sum(view.name_counts("section").values()) == len(live)


def test_facet_codes_move_and_drop_names_as_regroup_moves_counts():
    """Names the archive gives another kind are counted there, dropped ones nowhere, names
    of a kind that is not movable (the section) stay: as entity_kinds.regroup moves a
    search's Counters, on random documents naming random names of three kinds."""
    import random
    from collections import Counter
    from itertools import chain

    import numpy as np

    from indexer import entity_kinds
    from searcher.name_codes import FacetCodes, NameCodes

    rng = random.Random(5)
    pool = [f"Name {i}" for i in range(40)]
    kinds = ("people", "organisations", "section")
    tables = {kind: [tuple(rng.sample(pool, rng.randrange(4))) for _ in range(300)] for kind in kinds}
    moved = {name: rng.choice(["people", "organisations", entity_kinds.DROPPED]) for name in pool[::3]}
    codes = FacetCodes.of({kind: NameCodes.of(tables[kind]) for kind in kinds}, moved, ("people", "organisations"))
    for size in (0, 1, 30, 300):
        docs = sorted(rng.sample(range(300), size))
        chained = {kind: Counter(chain.from_iterable(map(tables[kind].__getitem__, docs))) for kind in kinds}
        expected = entity_kinds.regroup(chained, moved)
        found = codes.counts(np.array(docs, dtype=np.int64))
        for kind in kinds:
            assert codes.top(found, kind) == sorted(expected[kind].items(), key=lambda i: (-i[1], i[0])), (kind, size)
    assert any(name in dict(codes.top(codes.counts(np.arange(300)), "section")) for name in moved)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorted_searches_from_bulk_scores_are_docsets(business, monkeypatch, sort):
    """A date-sorted search takes its matches from bulk_scores when it can: the same page
    (hits, snippets, marked headlines), total and facets as from docsets."""
    def page(text: str) -> tuple:
        result = business.search(SearchRequest(query=text, sort=sort, per_page=20))
        return (result.total, result.articles, result.facets, result.notice,
                [(h.id, h.snippet, h.headline_html, [s.id for s in h.similar]) for h in result.hits])

    real = bulk_scores.all_scores
    used = []
    monkeypatch.setattr(archive_module.bulk_scores, "all_scores", lambda *args: used.append(1) or real(*args))
    fast = {text: page(text) for text in QUERIES}
    monkeypatch.setattr(archive_module.bulk_scores, "all_scores", lambda *args: None)
    assert {text: page(text) for text in QUERIES} == fast
    assert used and sum(1 for text in QUERIES if fast[text][0]) >= 10

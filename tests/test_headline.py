"""Headline rules on small pages written for each rule (see indexer/headline.py)."""
from indexer.htmlpage import parse_html

TEXT = "<p>Some body text that goes on for a while about nothing much.</p>" * 5


def _headline(head: str, body: str = "", url: str | None = None) -> str:
    html = f"<html><head>{head}</head><body>{body}<article>{TEXT}</article></body></html>"
    return parse_html(html.encode(), url=url).headline


def test_a_part_the_h1_lacks_is_kept_when_og_title_and_title_agree_on_it():
    head = ('<title>Whales strand on the coast again | Jane Smith | Environment | The Daily</title>'
            '<meta property="og:site_name" content="The Daily">'
            '<meta property="og:title" content="Whales strand on the coast again | Jane Smith">')
    body = "<h1>Whales strand on the coast again</h1>"
    assert _headline(head, body) == "Whales strand on the coast again | Jane Smith"
    # A statement of the <h1> alone says the extra part is not the headline's.
    twitter = '<meta name="twitter:title" content="Whales strand on the coast again">'
    assert _headline(head + twitter, body) == "Whales strand on the coast again"
    # The <title> not extending the og:title is no agreement.
    assert _headline(head.replace("| Jane Smith | Environment", "| Environment"), body) == \
        "Whales strand on the coast again"


def test_a_part_that_only_resembles_the_site_name_is_cut_when_the_page_shows_the_headline_without_it():
    head = ('<title>Weekly Notes #12 - the new bridge opens | Harbourtown</title>'
            '<meta property="og:site_name" content="Harbourtown.org">'
            '<meta property="og:title" content="Weekly Notes #12 - the new bridge opens | Harbourtown">')
    assert _headline(head) == "Weekly Notes #12 - the new bridge opens | Harbourtown"
    assert _headline(head, "<h1>Weekly Notes #12 - the new bridge opens</h1>") == \
        "Weekly Notes #12 - the new bridge opens"
    # The name the site states, letter for letter, is cut without anything to confirm it.
    assert _headline(head.replace("Harbourtown.org", "Harbourtown")) == "Weekly Notes #12 - the new bridge opens"


def test_a_section_the_page_states_is_no_part_the_h1_lacks():
    head = ('<title>Whales strand on the coast again | Environment | The Daily</title>'
            '<meta property="og:site_name" content="The Daily">'
            '<meta property="article:section" content="Environment">'
            '<meta property="og:title" content="Whales strand on the coast again | Environment">')
    assert _headline(head, "<h1>Whales strand on the coast again</h1>") == "Whales strand on the coast again"

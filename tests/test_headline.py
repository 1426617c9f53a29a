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

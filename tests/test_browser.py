"""The search page in a real headless Chromium, served by `newsdesk serve` (waitress)."""
from __future__ import annotations

import html
import json
import os
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from indexer.store import IndexDir
from indexer.writing import update_index

from .conftest import EXAMPLES, REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
AXE = Path(os.environ.get("NEWSDESK_AXE", REPO / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
TWIN_HEADLINE = "Austin and Shoigu talk for the first time since October after drone downing"
WIND_PAGE = "norfolk-wind-farm.html"
WIND_ID = "https://londondaily.example/business/norfolk-wind-farm-grid"
XSS_BODY = "Hostile text <script>alert(1)</script> and <img src=x onerror=alert(1)> in a kettle story."

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)")


def _png(width: int, height: int) -> bytes:
    """A small gradient PNG, the picture a news site's image host would serve."""
    rows = b"".join(b"\0" + bytes(v for x in range(width) for v in (40 + x, 90 + y, 160)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def image_host():
    """Another origin serving pictures, as a site's image CDN does: what the CSP must let in."""
    picture = _png(192, 128)

    class Pictures(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/pictures/norfolk.png" else 404)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(picture)))
            self.end_headers()
            self.wfile.write(picture)

        def log_message(self, *args):
            pass

    host = ThreadingHTTPServer(("127.0.0.1", 0), Pictures)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{host.server_address[1]}"
    host.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, image_host):
    articles = tmp_path_factory.mktemp("site")
    for path in EXAMPLES.iterdir():
        shutil.copy(path, articles / path.name)
    # The wind farm page states its picture as a site does (the other examples state none).
    page = (EXAMPLES / WIND_PAGE).read_text(encoding="utf-8")
    (articles / WIND_PAGE).write_text(page.replace("<head>", f'<head>\n<meta property="og:image" content="{image_host}/pictures/norfolk.png">', 1), encoding="utf-8")
    # An export's text is the HTML a CMS stores: escaped, it reads as markup the reader must see
    # as text (unescaped, the tags would be read as the markup they are).
    (articles / "hostile.jsonl").write_text(json.dumps(
        {"id": "hostile", "headline": html.escape("Kettle <b>prices</b> & alert"), "date": "2026-01-02",
         "body": html.escape(XSS_BODY), "image": "javascript:alert(1)"}) + "\n")
    # The drone story filed again under a new headline: one story, listed once.
    story = (EXAMPLES / "london-daily-us-russia-drone.txt").read_text(encoding="utf-8")
    (articles / "london-daily-us-russia-drone-update.txt").write_text(
        story.replace("US, Russian military chiefs resume contact to discuss drone", TWIN_HEADLINE), encoding="utf-8")
    index = tmp_path_factory.mktemp("ix") / "ix"
    update_index([articles], IndexDir(index), workers=1)
    port = _free_port()
    log = open(tmp_path_factory.mktemp("log") / "serve.log", "w+")  # a pipe nobody reads would fill
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--index", str(index), "--port", str(port)],
                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    # A loaded CI machine can take many seconds to import the server; give up only after a minute.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail("newsdesk serve did not start: " + log.read())
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait_for(driver, css, timeout=5.0):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def after_leaving(driver, act, css: str, timeout: float = 5.0):
    """Do `act` (a click or a key that loads another page), wait until the page it leaves is
    gone, then for `css` on the new one: the old page's own hits would answer at once, and
    on a loaded machine the next page can come later than the click returns."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    act()
    WebDriverWait(driver, timeout).until(EC.staleness_of(page))
    return wait_for(driver, css, timeout)


def count_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "result-count").text


def test_type_a_query_and_see_highlighted_results(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("drone", Keys.ENTER)
    wait_for(browser, ".hit")
    assert count_text(browser) == "3 articles for “drone”"
    marks = browser.find_elements(By.CSS_SELECTOR, ".snippet mark")
    assert marks and {m.text.lower() for m in marks} <= {"drone", "drones"}
    shot = tmp_path / "results.png"
    browser.save_screenshot(str(shot))
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    shutil.copy(shot, out / "results-page.png")
    assert shot.stat().st_size > 10_000


def test_autocomplete_by_keyboard(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("lloy")
    listbox = wait_for(browser, "#q-suggestions [role=option]")
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.text.startswith("Lloyd Austin")
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "q-option-0"
    assert browser.find_element(By.ID, "q-option-0").get_attribute("aria-selected") == "true"
    after_leaving(browser, lambda: box.send_keys(Keys.ENTER), ".hit")
    assert browser.find_element(By.ID, "q").get_attribute("value") == '"Lloyd Austin"'
    first = browser.find_element(By.CSS_SELECTOR, ".hit h2").text
    assert "US, Russian military chiefs" in first or first == TWIN_HEADLINE


def test_escape_closes_suggestions(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("ukr")
    wait_for(browser, "#q-suggestions [role=option]")
    box.send_keys(Keys.ESCAPE)
    assert box.get_attribute("aria-expanded") == "false"


def test_facet_preset_newest_and_paging(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=drone")
    after_leaving(browser, browser.find_element(By.LINK_TEXT, "Ukraine").click, ".active-filters")
    assert count_text(browser) == "2 articles for “drone”"
    after_leaving(browser, browser.find_element(By.LINK_TEXT, "Past year").click, ".hit")
    assert "range=year" in browser.current_url and "entity=Ukraine" in browser.current_url
    after_leaving(browser, browser.find_element(By.LINK_TEXT, "Newest").click, ".hit")
    dates = [t.get_attribute("datetime") for t in browser.find_elements(By.CSS_SELECTOR, ".hit .meta time")]
    assert dates == sorted(dates, reverse=True) and len(dates) == 2

    browser.get(server + "/search?q=*&per_page=3")
    assert "Page 1 of 3" in browser.find_element(By.CSS_SELECTOR, ".pages").text
    first = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".hit h2")]
    after_leaving(browser, browser.find_element(By.ID, "next-page").click, ".hit")
    assert "Page 2 of 3" in browser.find_element(By.CSS_SELECTOR, ".pages").text
    assert not set(first) & {h.text for h in browser.find_elements(By.CSS_SELECTOR, ".hit h2")}


def test_month_bar_narrows_the_dates(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=drone")
    after_leaving(browser, browser.find_element(By.CSS_SELECTOR, '.chart a[aria-label^="December 2025"] rect').click,
                  ".hit")
    assert "since=2025-12-01" in browser.current_url
    assert count_text(browser) == "1 article for “drone”"


def test_did_you_mean(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=dron")
    link = after_leaving(browser, wait_for(browser, "#search-instead").click, "#did-you-mean")
    assert link.text == "drone"
    after_leaving(browser, link.click, ".hit")
    assert count_text(browser) == "3 articles for “drone”"


def test_hostile_article_is_shown_as_text_and_never_runs(server, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=kettle")
    hit = wait_for(browser, ".hit")
    assert "<script>alert(1)</script>" in hit.text
    assert "<img src=x onerror=alert(1)>" in hit.text
    assert "Kettle <b>prices</b> & alert" in hit.text
    assert not browser.find_elements(By.CSS_SELECTOR, ".hit img, .hit script, .hit b")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text


def test_every_hit_opens_a_real_article(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=drone")
    wait_for(browser, ".hit")
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".hit h2 a")]
    assert len(hrefs) == 3 and all(h.startswith(("http://", "https://")) for h in hrefs)
    page = browser.page_source
    assert str(REPO) not in page and "/tmp/" not in page, page[page.find("/tmp/") - 300:page.find("/tmp/") + 100]
    browser.find_element(By.PARTIAL_LINK_TEXT, "US, Russian military chiefs").click()
    wait_for(browser, "#article-headline")
    assert browser.current_url == server + "/article/london-daily-us-russia-drone.txt"
    assert browser.find_element(By.ID, "article-headline").text == "US, Russian military chiefs resume contact to discuss drone"
    assert browser.find_element(By.CSS_SELECTOR, ".article time").text == "7 January 2026"
    paragraphs = browser.find_elements(By.CSS_SELECTOR, ".article-body p")
    assert len(paragraphs) >= 5 and paragraphs[0].text.startswith("Defense Secretary Lloyd Austin said")
    chips = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".article .chip")]
    assert "Lloyd Austin" in chips and len(chips) == len({c.casefold() for c in chips})
    related = browser.find_elements(By.CSS_SELECTOR, ".related-hit a")
    assert related and "US, Russian military chiefs" not in {a.text for a in related}
    assert not browser.find_elements(By.CSS_SELECTOR, 'meta[name="robots"]')
    api = json.load(urllib.request.urlopen(server + "/api/search?q=drone"))
    assert {h["path"] for h in api["hits"]} == {"london-daily-export.jsonl", "london-daily-us-russia-drone.txt"}
    assert all(h["link"] for h in api["hits"])


def test_snippets_light_phrases_in_two_clean_fragments(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + '/search?q="black sea" russian')
    hit = wait_for(browser, ".hit")
    snippet = hit.find_element(By.CSS_SELECTOR, ".snippet")
    marks = [m.text.lower() for m in snippet.find_elements(By.TAG_NAME, "mark")]
    assert "black sea" in marks and "black" not in marks and "sea" not in marks
    text = snippet.text
    assert len(text) <= 260 and text.count(" … ") <= 1
    fragments = [f.strip(" …") for f in text.split(" … ")]
    assert len(set(fragments)) == len(fragments) and not any(a in b for a in fragments for b in fragments if a is not b)


def test_oldest_sort_past_the_end_and_404(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=*")
    after_leaving(browser, browser.find_element(By.LINK_TEXT, "Oldest").click, ".hit")
    dates = [t.get_attribute("datetime") for t in browser.find_elements(By.CSS_SELECTOR, ".hit .meta time")]
    assert dates == sorted(dates) and len(dates) >= 5
    browser.get(server + "/search?q=*&per_page=3&page=999")
    notice = wait_for(browser, "#past-end")
    assert "past the end" in notice.text and "3 pages" in notice.text
    after_leaving(browser, browser.find_element(By.ID, "last-page").click, ".hit")
    assert "Page 3 of 3" in browser.find_element(By.CSS_SELECTOR, ".pages").text
    browser.get(server + "/no/such/page")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
    assert browser.find_element(By.CSS_SELECTOR, ".masthead .brand").text == "London Daily"
    icon = urllib.request.urlopen(server + "/favicon.ico")
    assert icon.status == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")


def test_filters_stay_visible_on_a_zero_result_page(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=qqqqzzzz&since=2025-12-01&until=2026-01-31")
    assert count_text(browser) == "No articles found for “qqqqzzzz”"
    chips = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".active-filters .chip")]
    assert chips == ["From 1 December 2025 ×", "To 31 January 2026 ×"]
    assert browser.find_element(By.ID, "since").get_attribute("value") == "2025-12-01"
    assert browser.find_element(By.ID, "until").get_attribute("value") == "2026-01-31"
    browser.get(server + "/search?q=qqqqzzzz&range=week")
    assert [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".active-filters .chip")] == ["Past week ×"]
    assert browser.find_element(By.ID, "since").get_attribute("value")


def test_selected_entity_is_marked_and_counts_are_singular(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=drone&entity=Ukraine")
    selected = browser.find_elements(By.CSS_SELECTOR, ".facet a[aria-current=true]")
    assert [a.text for a in selected] == ["✓ Ukraine"]
    after_leaving(browser, selected[0].click, ".hit")
    assert "entity=" not in browser.current_url and count_text(browser) == "3 articles for “drone”"
    browser.get(server + "/search?q=kettle")
    assert count_text(browser) == "1 article for “kettle”"


def test_choosing_a_headline_in_autocomplete_opens_it(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("russian mil")
    wait_for(browser, "#q-suggestions [role=option]")
    options = browser.find_elements(By.CSS_SELECTOR, "#q-suggestions [role=option]")
    index = next(i for i, o in enumerate(options) if o.text.startswith("US, Russian military chiefs"))
    for _ in range(index + 1):
        box.send_keys(Keys.ARROW_DOWN)
    box.send_keys(Keys.ENTER)
    wait_for(browser, "#article-headline")
    assert browser.current_url.endswith("/article/london-daily-us-russia-drone.txt")


def test_month_chart_is_a_time_axis(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=*")
    bars = {a.get_attribute("aria-label").split(":")[0]: float(a.find_element(By.TAG_NAME, "rect").get_attribute("x"))
            for a in browser.find_elements(By.CSS_SELECTOR, ".chart a")}
    assert sorted(bars, key=bars.get) == ["December 2025", "January 2026"]
    assert bars["January 2026"] - bars["December 2025"] == 150  # two months, each half the width
    caption = browser.find_element(By.ID, "chart-caption").text
    assert caption.startswith("Articles per month, ") and " to " in caption
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".chart text.axis")]
    assert len(ticks) >= 2


def test_the_same_story_is_listed_once(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=drone")
    wait_for(browser, ".hit")
    headlines = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".hit h2")]
    assert len(headlines) == 3 and count_text(browser) == "3 articles for “drone”"
    assert sum("Russian military chiefs" in h or h == TWIN_HEADLINE for h in headlines) == 1
    similar = browser.find_element(By.CSS_SELECTOR, ".hit details.similar")
    summary = similar.find_element(By.TAG_NAME, "summary")
    assert summary.text == "1 similar article"
    link = similar.find_element(By.CSS_SELECTOR, "li a")
    assert not link.is_displayed()
    summary.click()
    assert link.is_displayed() and link.text in {TWIN_HEADLINE, "US, Russian military chiefs resume contact to discuss drone"}
    # The API's similar articles carry the link the page gives them, as its hits do.
    mates = [s for h in json.load(urllib.request.urlopen(server + "/api/search?q=drone"))["hits"] for s in h["similar"]]
    assert [server + s["link"] for s in mates] == [link.get_attribute("href")]
    link.click()
    wait_for(browser, "#article-headline")
    related = {a.text for a in browser.find_elements(By.CSS_SELECTOR, ".related-hit a")}
    assert related and not related & {TWIN_HEADLINE, "US, Russian military chiefs resume contact to discuss drone"}
    every = json.load(urllib.request.urlopen(server + "/api/search?q=drone&collapse=0"))
    assert every["total"] == every["articles"] == 4
    browser.get(server + "/search?q=*&per_page=3")
    shown = []
    for page in (1, 2, 3):
        browser.get(server + f"/search?q=*&per_page=3&page={page}")
        shown += [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".hit h2")]
    assert len(shown) == len(set(shown)) == 9  # 10 articles, 9 stories, every story on one page


def _loaded_width(browser, img) -> int:
    """The picture's own width once the browser has it (0 when it failed or was blocked)."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 5).until(lambda b: b.execute_script(
        "const i = arguments[0]; return i.complete && [i.naturalWidth];", img))[0]


def test_thumbnails_show_small_lazy_and_decorative(server, browser, image_host):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?q=wind+farm")
    img = wait_for(browser, ".hit img.thumb")
    hit = img.find_element(By.XPATH, "./ancestor::li[contains(@class, 'hit')]")
    assert hit.find_element(By.TAG_NAME, "h2").text == "Offshore wind farm off Norfolk starts supplying the grid"
    assert img.get_attribute("src") == image_host + "/pictures/norfolk.png"
    assert (img.get_attribute("loading"), img.get_attribute("decoding")) == ("lazy", "async")
    # Decorative: the headline beside it says what it is; no second reading of it.
    assert img.get_attribute("alt") == "" and img.get_attribute("aria-hidden") == "true"
    assert (img.get_attribute("width"), img.get_attribute("height")) == ("96", "64")
    # Fetched from the image host's origin: the CSP lets http(s) pictures in.
    assert _loaded_width(browser, img) == 192
    assert img.size == {"width": 96, "height": 64}
    assert len(browser.find_elements(By.CSS_SELECTOR, ".hit img")) == 1
    browser.get(server + "/search?q=drone")
    wait_for(browser, ".hit")
    assert not browser.find_elements(By.CSS_SELECTOR, ".hits img")
    browser.get(server + "/article/" + WIND_ID)
    lead = wait_for(browser, ".article img.thumb-lead")
    assert lead.get_attribute("alt") == "" and lead.get_attribute("loading") == "lazy" and _loaded_width(browser, lead) == 192
    browser.get(server + "/article/london-daily-us-russia-drone.txt")
    wait_for(browser, "#article-headline")
    assert not browser.find_elements(By.CSS_SELECTOR, ".article img")
    api = json.load(urllib.request.urlopen(server + "/api/search?q=wind+farm"))
    assert [h["image"] for h in api["hits"] if h["id"] == WIND_ID] == [image_host + "/pictures/norfolk.png"]
    kettle = json.load(urllib.request.urlopen(server + "/api/search?q=kettle"))
    assert [h["image"] for h in kettle["hits"]] == [None]  # its export line gave a javascript: url


def test_screenshots_desktop_and_phone(server, browser):
    """Saves bench/out/{results,article,zero-results,thumbnails,article-picture}-{desktop,phone}.png for a person to look at."""
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    pages = {"results": "/search?q=drone", "article": "/article/london-daily-us-russia-drone.txt",
             "zero-results": "/search?q=qqqqzzzz&range=week", "thumbnails": "/search?q=wind+farm",
             "article-picture": "/article/" + WIND_ID}
    try:
        for size, (width, height) in {"desktop": (1280, 900), "phone": (390, 844)}.items():
            browser.set_window_size(width, height)
            inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
            browser.set_window_size(2 * width - inner[0], 2 * height - inner[1])
            for name, path in pages.items():
                browser.get(server + path)
                shot = out / f"{name}-{size}.png"
                browser.save_screenshot(str(shot))
                assert shot.stat().st_size > 10_000
                assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    finally:
        browser.set_window_size(1280, 1000)


@pytest.mark.skipif(not AXE.exists(), reason=f"axe-core not found at {AXE} (make install puts it there)")
@pytest.mark.parametrize("path", ["/", "/search?q=drone", "/search?q=qqqqzzzz&range=week", "/search?q=wind+farm",
                                  "/article/london-daily-us-russia-drone.txt", "/article/" + WIND_ID, "/no/such/page"])
def test_no_accessibility_violations(server, browser, path):
    browser.get(server + path)
    browser.execute_script(AXE.read_text())
    report = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));")
    assert isinstance(report, list), report
    assert [(v["id"], v["impact"], len(v["nodes"])) for v in report] == []

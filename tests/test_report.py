"""Postmortem reports: golden Markdown and HTML, escaping, determinism, `rca report`, and the page in Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest
from markdown_it import MarkdownIt

from rca.model import Analysis, Example
from rca.pipeline import analyze
from rca.report.postmortem import md_code, md_fence, pictures, render_html, render_markdown
from tests.conftest import ROOT, run

GOLDEN = ROOT / "tests" / "golden"
SVG_DATA = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")
HOSTILE = "<script>alert('x')</script> \x1b[31mred\x1b[0m `tick` | pipe ``` fence **bold** [link](http://evil.example)"


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    # From the repository root with a relative path: example lines name their source.
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return analyze(["sample_logs/checkout-outage"])
    finally:
        os.chdir(cwd)


def _golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_markdown_report_matches_the_golden_file(outage: Analysis) -> None:
    text, files = render_markdown(outage, pictures_dir="postmortem_files")
    _golden("postmortem-checkout-outage.md", text)
    for name in files:
        assert f"](postmortem_files/{name})" in text


def test_html_report_matches_the_golden_file(outage: Analysis) -> None:
    # The pictures' bytes depend on the matplotlib release: they are checked on their own below.
    html = render_html(outage)
    _golden("postmortem-checkout-outage.html", SVG_DATA.sub("data:image/svg+xml;base64,…", html))


def test_pictures_are_deterministic_svg(outage: Analysis) -> None:
    first, second = pictures(outage), pictures(outage)
    assert set(first) == {"timeline", "graph", "cause-1", "cause-2", "cause-3"}
    for key, picture in first.items():
        assert picture.svg == second[key].svg
        root = ElementTree.fromstring(picture.svg.encode())
        assert root.tag.endswith("svg")
        # Self-contained: no fonts, links or scripts to fetch.
        assert "<script" not in picture.svg and "@font-face" not in picture.svg and "xlink:href=\"http" not in picture.svg


def test_reports_are_byte_identical_across_runs_and_from_saved_json(outage: Analysis, tmp_path: Path) -> None:
    assert render_html(outage) == render_html(outage)
    saved = Analysis.from_dict(json.loads(json.dumps(outage.to_dict())))
    assert render_html(saved) == render_html(outage)
    assert render_markdown(saved, pictures_dir="x")[0] == render_markdown(outage, pictures_dir="x")[0]


def _hostile(analysis: Analysis) -> Analysis:
    cause = analysis.root_causes[0]
    bad = replace(cause, service="pay<b>ments</b>", template=HOSTILE,
                  examples=(Example("evil<.log", 1, HOSTILE, None),))
    return replace(analysis, root_causes=(bad, *analysis.root_causes[1:]))


def test_html_shows_hostile_log_text_as_text(outage: Analysis) -> None:
    html = render_html(_hostile(outage))
    assert "<script>alert" not in html and "<b>ments" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "\x1b" not in html and "\\x1b[31mred" in html
    assert '<a href="http://evil' not in html


def test_markdown_shows_hostile_log_text_as_text(outage: Analysis) -> None:
    text, _ = render_markdown(_hostile(outage), pictures_dir="p")
    assert "\x1b" not in text
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script>" not in rendered and "<b>" not in rendered and 'href="http://evil' not in rendered
    assert "&lt;script&gt;alert" in rendered


@pytest.mark.parametrize("text", ["a `b` c", "``x``", "`", "a|b", "\x1b[0m"])
def test_markdown_code_spans_cannot_be_broken_out_of(text: str) -> None:
    html = MarkdownIt("commonmark").enable("table").render(f"| h |\n|---|\n| {md_code(text)} |\n")
    assert html.count("<code>") == 1 and html.count("<td>") == 1


def test_markdown_fences_outlast_backticks_inside() -> None:
    html = MarkdownIt("commonmark").render(md_fence("line ```` with fence\n<script>"))
    assert html.count("<pre>") == 1 and "&lt;script&gt;" in html


def test_analyze_writes_both_reports_and_report_rewrites_them_from_json(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    html, md = tmp_path / "pm.html", tmp_path / "pm.md"
    result = run(["analyze", "sample_logs/checkout-outage", "--report", str(html), "--report", str(md)])
    assert result.exit_code == 0
    assert "payments" in result.stdout  # the terminal report still goes to stdout
    assert sorted(p.name for p in (tmp_path / "pm_files").iterdir()) == [
        "causal-graph.svg", "cause-1.svg", "cause-2.svg", "cause-3.svg", "timeline.svg"]
    saved = run(["analyze", "sample_logs/checkout-outage", "--json"]).stdout
    again = tmp_path / "again.html"
    result = run(["report", "-", "--report", str(again)], stdin=saved)
    assert result.exit_code == 0 and result.stdout == ""
    assert again.read_bytes() == html.read_bytes()
    stamped = tmp_path / "stamped.html"
    run(["report", "-", "--report", str(stamped), "--report-stamp"], stdin=saved)
    assert re.search(r"on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", stamped.read_text())


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["report", "missing.json"], None, 3, "missing.json: no such file"),
        (["report", "-"], "not json", 3, "not JSON"),
        (["report", "-"], '{"kind": "templates", "schema_version": 1}', 3, "not the JSON of rca analyze"),
        (["report", "-"], '{"kind": "analysis", "schema_version": 3}', 3, "schema_version 3"),
        (["report", "-"], '{"kind": "analysis", "schema_version": 1}', 3, "bad or missing"),
        (["report", "-", "--report", "x.pdf"], "{}", 2, "must end in .html or .md"),
        (["report", "-", "--report", "no/such/folder/x.html"], "{}", 2, "does not exist"),
    ],
)
def test_report_errors_are_one_line_with_their_exit_code(args: list[str], stdin: str | None, code: int,
                                                         message: str) -> None:
    result = run(args, stdin=stdin)
    assert result.exit_code == code
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium and chromedriver are not installed (.ci/run installs them)")
def test_html_report_renders_in_headless_chromium(outage: Analysis, tmp_path: Path) -> None:
    from PIL import Image, ImageStat
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    page = tmp_path / "postmortem.html"
    page.write_text(render_html(_hostile(outage)), encoding="utf-8")
    browser, driver = _chromium()  # type: ignore[misc]
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        chrome.get(page.as_uri())
        assert chrome.title == "Postmortem (draft): pay<b>ments</b>"
        body = chrome.find_element("tag name", "body").text
        assert "The most likely root cause is pay<b>ments</b>." in body
        assert "<script>alert('x')</script>" in body  # shown as text, not run
        assert chrome.execute_script("return document.querySelectorAll('script').length") == 0
        images = chrome.execute_script(
            "return Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.getBoundingClientRect().width])")
        assert len(images) == 5 and all(ok and width > 300 for ok, width in images)
        # Readable at a laptop's width: nothing wider than the window.
        assert chrome.execute_script("return document.documentElement.scrollWidth") <= 1366
        errors = [entry for entry in chrome.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
        requests = [json.loads(entry["message"])["message"] for entry in chrome.get_log("performance")]
        urls = [m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"]
        assert all(url.startswith(("file:", "data:")) for url in urls), urls
        shot = tmp_path / "postmortem.png"
        chrome.save_screenshot(str(shot))
    finally:
        chrome.quit()
    image = Image.open(shot).convert("L")
    assert max(ImageStat.Stat(image).stddev) > 20  # not blank
    if os.environ.get("RCA_SCREENSHOT"):
        shutil.copy(shot, os.environ["RCA_SCREENSHOT"])


def test_reports_of_logs_where_nothing_departs(write) -> None:  # type: ignore[no-untyped-def]
    quiet = analyze([write("app.log", "".join(f"2026-11-23T10:{m:02d}:00Z INFO request served\n" for m in range(30)))])
    assert quiet.root_causes == ()
    html = render_html(quiet)
    assert "no root cause found" in html and "rca names no root cause" in html
    text, files = render_markdown(quiet, pictures_dir="p")
    assert "rca names no root cause" in text and set(files) == {"timeline.svg"}


def test_analyze_without_report_does_not_draw(tmp_path: Path) -> None:
    # Drawing imports matplotlib and takes about a second: only --report pays for it.
    import subprocess
    import sys

    code = ("import sys; from rca.cli import main\n"
            "try:\n    main(['analyze', 'sample_logs/checkout-outage', '--json'])\n"
            "except SystemExit:\n    pass\n"
            "print('matplotlib' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "False"

"""Static files under content-hashed URLs: cached for a year, a new URL when the file changes."""

from __future__ import annotations

import os
import re
from pathlib import Path

from lms.assets import IMMUTABLE, Digests

STATIC = Path(__file__).resolve().parents[2] / "static"
HASHED_CSS = re.compile(r'href="(/static/css/app\.([0-9a-f]{12})\.css)"')


def test_pages_link_the_style_sheet_by_its_hash_and_never_by_its_plain_name(client):
    page = client.get("/").get_data(as_text=True)
    found = HASHED_CSS.search(page)
    assert found, page[:500]
    assert found.group(2) == Digests(STATIC).digest("css/app.css")
    assert not re.search(r'(href|src)="/static/(?![^"]*\.[0-9a-f]{12}(\.\w+)?")', page)


def test_a_hashed_url_is_cached_for_a_year_an_old_hash_is_served_but_revalidated(client):
    url = HASHED_CSS.search(client.get("/").get_data(as_text=True)).group(1)
    with client.get(url) as current:
        assert current.status_code == 200
        assert current.headers["Cache-Control"] == IMMUTABLE
        assert current.get_data() == (STATIC / "css" / "app.css").read_bytes()

    with client.get("/static/css/app.0123456789ab.css") as old:  # a page cached before a deploy
        assert old.status_code == 200 and old.get_data() == current.get_data()
        assert old.headers["Cache-Control"] == "no-cache" and "ETag" in old.headers

    with client.get("/static/css/app.css") as plain:
        assert plain.status_code == 200
        assert "max-age=31536000" not in plain.headers.get("Cache-Control", "")
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_the_hash_changes_when_the_file_changes(tmp_path):
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "quiz.js"
    script.write_text("one();")
    digests = Digests(tmp_path)
    first = digests.hashed("js/quiz.js")
    assert re.fullmatch(r"js/quiz\.[0-9a-f]{12}\.js", first)
    assert digests.hashed("js/quiz.js") == first  # the same file, the same name
    script.write_text("two();")
    stat = script.stat()
    os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a coarse clock
    second = digests.hashed("js/quiz.js")
    assert second != first
    assert digests.split(second) == ("js/quiz.js", second.split(".")[1])
    assert digests.split(first).filename == "js/quiz.js"  # the old hash still names the file
    assert digests.hashed("js/missing.js") == "js/missing.js"

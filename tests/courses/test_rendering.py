"""Lesson Markdown is rendered by markdown-it-py and sanitised by nh3: no script, ever."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from courses import rendering
from courses.rendering import lint_markdown, render_markdown, split_title
from studio.loader import CATALOG_DIR

BUNDLED = sorted(CATALOG_DIR.glob("*/lessons/*.md"))

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "![tracker](https://evil.example/pixel.png)",
    '<svg onload="alert(1)"></svg>',
    '<object data="https://evil.example/x.swf"></object>',
    "<style>body{display:none}</style>",
    "[x](http://plain-http.example/)",
]


class _Elements(HTMLParser):
    """Every element and attribute actually present in an HTML fragment (escaped text is inert)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_html_carries_no_active_content(payload):
    for tag, attrs in _elements(render_markdown(f"Some text.\n\n{payload}\n")):
        assert tag in {"p", "a", "img", "strong", "em"}, (payload, tag)
        assert not any(name.startswith("on") for name in attrs), (payload, attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").lower()
            assert not value or value.startswith(("https://", "media/")), (payload, attrs)
            assert "evil.example/pixel" not in value, (payload, attrs)


@pytest.mark.parametrize("payload", PAYLOADS[:4] + PAYLOADS[8:12])
def test_the_loader_refuses_such_content_outright(payload):
    assert lint_markdown(f"# Title\n\n{payload}\n"), payload


def test_ordinary_markdown_survives():
    html = render_markdown("## Key points\n\n- **one**\n- [UN](https://www.un.org)\n\n> note\n")
    assert "<h2>Key points</h2>" in html and "<strong>one</strong>" in html
    assert '<a href="https://www.un.org" rel="noopener noreferrer nofollow">UN</a>' in html
    assert "<blockquote>" in html


def test_package_images_point_at_the_course_media():
    html = render_markdown("![A map of the route](media/route.svg)")
    assert '<img src="media/route.svg" alt="A map of the route">' in html


def _fresh_render(body: str) -> str:
    """The body rendered by its own parse, nothing remembered from a lint."""
    rendering._BODY_HTML.clear()
    return render_markdown(body)


@pytest.mark.parametrize(
    "source",
    [
        *(f"# {p.stem}\n" + p.read_text(encoding="utf-8").partition("\n")[2] for p in BUNDLED),
        '# T\n\nSee [the map][m] and ![A *map*](media/a.png "t").\n\n[m]: https://un.org\n',
        "# T\n    indented code\n",
        "# Title [r]\n\nbody [r]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[r]: https://x.org\n",
        "# T\n\n- a\n  - b\n\n> q\n\n```py\nx<y\n```\n\n1. x\n2. y\n\ntext <https://un.org> \\<b>\n",
        "# T\n\n![a <b>b</b>](media/a.png)\n",  # raw HTML in an image's alt text
        '# T\n\n[a <a href="]">b](https://x.org)\n',  # raw HTML inside a link label
    ],
)
def test_a_validated_lesson_renders_as_if_parsed_again(source: str) -> None:
    """A publish renders the bodies it has just linted from the lint's parse (one parse, not two);
    the page a trainee gets is exactly the one the renderer's own parse gives."""
    _, body = split_title(source)
    expected = _fresh_render(body)
    lint_markdown.cache_clear()
    lint_markdown(source)
    assert render_markdown(body) == expected


def test_only_clean_bodies_are_rendered_from_the_lint_parse() -> None:
    """Raw HTML is read differently by the two parsers: such a body is never taken from the lint."""
    rendering._BODY_HTML.clear()
    lint_markdown.cache_clear()
    lint_markdown("# T\n\nClean **text**.\n")
    lint_markdown("# T\n\n![a <b>b</b>](media/a.png)\n")
    lint_markdown("# T\n\n<div>raw</div>\n")
    assert list(rendering._BODY_HTML) == ["Clean **text**.\n"]

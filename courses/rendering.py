"""Lesson Markdown to safe HTML: a maintained parser (markdown-it-py) and sanitiser (nh3)."""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Raw HTML is off in the parser; the sanitiser is the second line of defence.
_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)
# The linter parses with HTML on, so that raw HTML in a package is found and refused.
_LINT_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "blockquote",
    "code",
    "pre",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


# A link or image whose address runs script or embeds content: the parser leaves it as literal text
# (markdown-it refuses these schemes), but an author meant a link, and the text must not ship.
_SCRIPT_URL = re.compile(
    r"(?:\]\(\s*<?|^[ ]{0,3}\[[^\]]+\]:\s*<?|<)\s*(?P<scheme>javascript|vbscript|data|file):",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class MarkdownIssue:
    """A problem in a lesson's Markdown, with its line, its kind (title, html, script_url, alt,
    image, link: for a message in the reader's language) and the address it concerns."""

    line: int | None
    message: str
    kind: str = ""
    subject: str = ""


@functools.lru_cache(maxsize=4096)
def lint_markdown(source: str) -> tuple[MarkdownIssue, ...]:
    """Problems the loader refuses: raw HTML, images without alt text, off-site images or links.

    Remembered per text (a draft is validated when shown and again when published, and a new
    version mostly repeats the last one's lessons: their Markdown is parsed once)."""
    issues = []
    if not source.startswith("# "):
        issues.append(MarkdownIssue(1, "a lesson must begin with its title as '# Title'", "title"))
    tokens = _LINT_PARSER.parse(source)
    for token in _walk(tokens):
        line = token.map[0] + 1 if token.map else None
        if token.type in {"html_block", "html_inline"}:
            issues.append(MarkdownIssue(line, "raw HTML is not allowed", "html"))
        elif token.type == "image":
            src = str(token.attrs.get("src", ""))
            if not token.content.strip():
                issues.append(MarkdownIssue(line, f"image {src!r} has no alt text", "alt", src))
            if not src.startswith("media/") or ".." in src:
                issues.append(
                    MarkdownIssue(line, f"image {src!r} must be a file under media/", "image", src)
                )
        elif token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            if not href.startswith("https://"):
                issues.append(
                    MarkdownIssue(line, f"link {href!r} must be an https:// address", "link", href)
                )
    for match in _SCRIPT_URL.finditer(source):
        scheme = match["scheme"].lower()
        issues.append(
            MarkdownIssue(
                source.count("\n", 0, match.start()) + 1,
                f"a {scheme}: address is not allowed (links are https:// addresses)",
                "script_url",
                f"{scheme}:",
            )
        )
    if not issues:
        _remember_body(source, tokens)
    return tuple(issues)


# The HTML of lesson bodies (before sanitising) that the linter got from its own parse, by body text:
# a publish renders the lessons it has just validated without parsing them a second time. Bounded
# (a few MB); a body not here is simply parsed again.
_BODY_HTML: OrderedDict[str, str] = OrderedDict()
_BODY_HTML_MAX = 512
_BODY_HTML_LOCK = threading.Lock()


def _remember_body(source: str, tokens: list[Token]) -> None:
    """Keep the body's HTML when the lint parse is exactly the renderer's parse of the body: no raw
    HTML at any depth (the only thing the two parsers read differently), and the title is the
    first block (a heading is one line, so the body's blocks follow it unchanged)."""
    if [t.type for t in tokens[:3]] != ["heading_open", "inline", "heading_close"]:
        return
    if tokens[0].map != [0, 1] or _has_html(tokens):
        return
    _, body = split_title(source)
    html = _PARSER.renderer.render(tokens[3:], _PARSER.options, {})
    with _BODY_HTML_LOCK:
        _BODY_HTML[body] = html
        _BODY_HTML.move_to_end(body)
        while len(_BODY_HTML) > _BODY_HTML_MAX:
            _BODY_HTML.popitem(last=False)


def _has_html(tokens: list[Token]) -> bool:
    return any(
        token.type in {"html_block", "html_inline"} or _has_html(token.children or [])
        for token in tokens
    )


def _walk(tokens: list[Token]) -> Iterator[Token]:
    """Every token, inline children included; children take their block's line."""
    for token in tokens:
        yield token
        for child in token.children or []:
            child.map = child.map or token.map
            yield child


def split_title(source: str) -> tuple[str, str]:
    """The '# Title' line and the rest of the lesson."""
    first, _, rest = source.partition("\n")
    return first.removeprefix("# ").strip(), rest.lstrip("\n")


def render_markdown(source: str, media_url: str = "media/") -> str:
    """Render lesson Markdown to sanitised HTML; images point at media_url."""
    html = _BODY_HTML.get(source)
    if html is None:
        html = _PARSER.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=lambda tag, attr, value: _filter_attribute(tag, attr, value, media_url),
    )


def _filter_attribute(tag: str, attribute: str, value: str, media_url: str) -> str | None:
    if tag == "img" and attribute == "src":
        # Only packaged media: never an off-site resource that a page would fetch.
        if not value.startswith("media/") or ".." in value:
            return None
        return media_url + value.removeprefix("media/")
    if tag == "a" and attribute == "href" and not value.startswith("https://"):
        return None
    return value


def word_count(source: str) -> int:
    """Words in a lesson (CJK characters count one each)."""
    return len(source.split()) + len(_CJK.findall(source))


_CJK = re.compile("[\u4e00-\u9fff]")

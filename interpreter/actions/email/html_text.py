"""Plain text from an HTML body, for the ``text/plain`` alternative.

Only used when the template has no ``.txt`` twin. It keeps what a reader needs:
the words, line breaks at block elements, list bullets and link targets.

``HTMLParser`` costs about 50 µs an email, most of it re-parsing tags that are
the same in every email of a template. So the text between tags is unescaped
directly, each distinct tag is parsed once by ``HTMLParser`` itself (cached),
and the collector gets the calls a full parse would make. Anything outside that
simple shape (``<script>``/``<style>``, a stray ``<``, a tag the parser would
not read as exactly one tag, comment or declaration) takes the full parse.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})
# A tag, quoted attribute values allowed to hold ">"; and how one must open.
_TAG = re.compile(r"""<(?:[^<>"']|"[^"]*"|'[^']*')*>""")
_TAG_OPEN = re.compile(r"</?[a-zA-Z]|<!")

Attrs = list[tuple[str, str | None]]
# ("start", tag, attrs), ("end", tag, None) or ("startend", tag, attrs)
TagEvent = tuple[str, str, Attrs | None]


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        if tag in _HIDDEN:
            self._hidden_depth += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag not in ("br", "tr") else "\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "mailto:")) and href != label:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


class _TagReader(HTMLParser):
    """Records what ``HTMLParser`` makes of one tag's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str, Attrs | None]] = []

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        self.events.append(("start", tag, attrs))

    def handle_startendtag(self, tag: str, attrs: Attrs) -> None:
        self.events.append(("startend", tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag, None))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", data, None))

    def handle_comment(self, data: str) -> None:
        self.events.append(("comment", data, None))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("decl", decl, None))

    def handle_pi(self, data: str) -> None:
        self.events.append(("pi", data, None))

    def unknown_decl(self, data: str) -> None:
        self.events.append(("decl", data, None))


@lru_cache(maxsize=1024)
def _tag(text: str) -> TagEvent | None:
    """The one start or end tag, comment or declaration ``text`` is (the last
    two the collector ignores), or None when the parser reads it as anything
    else, or as a tag that changes how what follows is parsed."""
    if not _TAG_OPEN.match(text):
        return None
    reader = _TagReader()
    reader.feed(text)
    reader.close()
    if len(reader.events) != 1:
        return None
    kind, tag, attrs = reader.events[0]
    if kind in ("comment", "decl"):
        return "ignored", "", None
    if kind not in ("start", "end", "startend"):
        return None
    if tag in HTMLParser.CDATA_CONTENT_ELEMENTS:
        return None
    return kind, tag, attrs


def _events(html: str) -> list[tuple[str, str, Attrs | None]] | None:
    """What a full parse would hand the collector, or None if unsure."""
    events: list[tuple[str, str, Attrs | None]] = []
    start = 0
    for match in _TAG.finditer(html):
        text = html[start : match.start()]
        if "<" in text:
            return None
        if text:
            events.append(("data", unescape(text), None))
        tag = _tag(match.group())
        if tag is None:
            return None
        events.append(tag)
        start = match.end()
    text = html[start:]
    if "<" in text:
        return None
    if text:
        events.append(("data", unescape(text), None))
    return events


def _collect(html: str) -> list[str]:
    collector = _TextCollector()
    events = _events(html)
    if events is None:
        collector.feed(html)
        collector.close()
        return collector.parts
    for kind, value, attrs in events:
        if kind == "ignored":
            continue
        if kind == "data":
            collector.handle_data(value)
        elif kind == "end":
            collector.handle_endtag(value)
        else:
            collector.handle_starttag(value, list(attrs or ()))
            if kind == "startend":  # as HTMLParser.handle_startendtag does
                collector.handle_endtag(value)
    return collector.parts


def html_to_text(html: str) -> str:
    parts = _collect(html)
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

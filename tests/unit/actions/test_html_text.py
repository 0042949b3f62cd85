from __future__ import annotations

import random
import re
from pathlib import Path

from interpreter.actions.email import html_text
from interpreter.actions.email.html_text import html_to_text


def test_keeps_words_blocks_bullets_and_links() -> None:
    html = """<!doctype html><html><head><title>T</title><style>p{color:red}</style></head>
    <body><h1>Hello   Ada</h1><p>Read <a href="https://x.example/a">the docs</a>.</p>
    <ul><li>One</li><li>Two &amp; three</li></ul><script>alert(1)</script></body></html>"""
    assert html_to_text(html) == (
        "Hello Ada\n\nRead the docs (https://x.example/a).\n\n- One\n- Two & three\n"
    )


def test_a_link_whose_text_is_its_target_is_not_repeated() -> None:
    text = html_to_text('<a href="https://x.example">https://x.example</a>')
    assert text == "https://x.example\n"


def _full_parse(html: str) -> str:
    """What html_to_text gives through HTMLParser alone, to hold its short cut to."""
    collector = html_text._TextCollector()
    collector.feed(html)
    collector.close()
    lines = [" ".join(line.split()) for line in "".join(collector.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


_PIECES = [
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<BR />",
    "<a href='https://x.example/a?b=1&amp;c=2'>",
    '<a href="#top">',
    "</a>",
    "<A HREF=x>",
    "<li>",
    "</li>",
    "<ul>",
    "</ul>",
    "<script>",
    "</script>",
    "<style>x{}</style>",
    "<!-- c -->",
    "<!DOCTYPE html>",
    "<?pi?>",
    "&amp;",
    "&lt;",
    "&#39;",
    "&unknown;",
    "&",
    "<",
    ">",
    " ",
    "\n",
    "\t",
    "Hi Ada",
    "<title>T</title>",
    '<div class="a>b">',
    "<a title='it\"s'>",
    "<a b=x'y>'z>",
    '<a b=x"y>',
    '"',
    "'",
    "</>",
    "<1>",
    "< p>",
    "<p/",
    '<img src=x alt="&amp;">',
    "<tr>",
    "</tr>",
    "<h1>",
    "</h1>",
    '<a href="https://acme.example">https://acme.example</a>',
    "<![CDATA[x]]>",
    "<!-- a > b -->",
    "<!-->",
    "<!-- <p> -->",
    "<!x y>",
    "<!--",
    "</p foo>",
    "<p\n class=x>",
    "<p a==b>",
    '<p a="1"b=2>',
]


def test_the_short_cut_gives_what_a_full_parse_gives() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        html = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 14)))
        assert html_to_text(html) == _full_parse(html), html
    for template in sorted((Path(__file__).parents[3] / "workflows" / "templates").glob("*.html")):
        page = template.read_text().replace("{{ vars.first_name }}", "Ada &amp; <b>Bo</b>")
        assert html_to_text(page) == _full_parse(page)

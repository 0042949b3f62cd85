from __future__ import annotations

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

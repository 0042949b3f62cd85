"""Every template render is bounded: work, time and size, whoever wrote it.

Each hostile template below would pin a worker thread or eat gigabytes with a
plain sandbox; here each stops with a non-retryable error well within a second
or two, and ordinary templates render exactly as Jinja renders them."""

from __future__ import annotations

import time

import pytest
from jinja2.sandbox import SandboxedEnvironment

from interpreter.actions.email.render import TemplateRenderer, jinja_source
from interpreter.errors import ActionError
from interpreter.language.interpolated import Interpolated

SCOPE = {"run": {"id": "r_1"}, "event": {"data": {"items": ["a", "b", "c"]}}}
HOSTILE = {
    "nested loops": "{% for a in range(100000) %}{% for b in range(100000) %}.{% endfor %}"
    "{% endfor %}",
    "filtered loops": "{% for a in range(100000) %}{% for b in range(100000) if b < 0 %}."
    "{% endfor %}{% endfor %}",
    "recursive macro": "{% macro m(n) %}{% if n %}{{ m(n-1) }}{{ m(n-1) }}{% endif %}"
    "{% endmacro %}{{ m(40) }}",
    "repetition": "{{ 'x' * 10**9 }}",
    "percent width": "{{ '%999999999d' % 1 }}",
    "format width": "{{ '{:>999999999}'.format(1) }}",
    "ljust": "{{ 'x'.ljust(10**9) }}",
    "center filter": "{{ 'x'|center(10**9) }}",
    "replace filter": "{{ ('x' * 100000)|replace('x', 'y' * 1000) }}",
    "doubling": "{% set ns = namespace(s='xx') %}{% for i in range(100) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "set block": "{% set big = 'y' * 100000 %}{% set x %}{% for i in range(100000) %}"
    "{{ big }}{% endfor %}{% endset %}{{ x|length }}",
    "big output": "{% for i in range(20000) %}{{ 'z' * 100 }}{% endfor %}",
}
ORDINARY = [
    "Hello {{ run.id }}",
    "{% for item in event.data['items'] %}{{ loop.index }}={{ item }} {% endfor %}",
    "{% for item in event.data['items'] if item != 'b' %}{{ item }}{% else %}none{% endfor %}",
    "{% macro b(x) %}<{{ x }}>{% endmacro %}{{ b(1) }}{{ b('two') }}",
    "{{ '%05d' % 42 }} {{ 'ab' * 3 }} {{ '{:>6}'.format('r') }} {{ 2 ** 10 }}",
    "{% set t %}{{ run.id|upper }}{% endset %}[{{ t }}] {{ ['a', 'b']|join('-') }}",
]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_template_stops_within_its_budget(name: str) -> None:
    renderer = TemplateRenderer({}, SCOPE)
    started = time.monotonic()
    with pytest.raises(ActionError) as raised:
        renderer.string(HOSTILE[name], html=False, what="text")
    assert time.monotonic() - started < 4
    assert raised.value.retryable is False
    assert "email.send: template 'text' stopped:" in str(raised.value)


@pytest.mark.parametrize("source", ORDINARY)
def test_an_ordinary_template_renders_as_jinja_renders_it(source: str) -> None:
    plain = SandboxedEnvironment(keep_trailing_newline=True).from_string(source).render(SCOPE)
    assert TemplateRenderer({}, SCOPE).string(source, html=False, what="text") == plain


def test_data_pieces_are_values_never_template_code() -> None:
    renderer = TemplateRenderer({}, SCOPE)
    name = "{{ run.id }} {{ 7*7 }} {% for a in range(9) %}x{% endfor %}"
    subject = Interpolated(
        ((False, "Hi ", "Hi "), (True, name, name), (False, " {{ run.id }}", " {{ run.id }}"))
    )
    assert renderer.string(subject, html=False, what="subject") == f"Hi {name} r_1"
    assert renderer.string(subject, html=True, what="html") == (
        "Hi {{ run.id }} {{ 7*7 }} {% for a in range(9) %}x{% endfor %} r_1"
    )
    tagged = Interpolated(
        (
            (False, "{% if ", "{% if "),
            (True, "false", False),
            (False, " %}yes{% else %}no{% endif %}", ""),
        )
    )
    assert renderer.string(tagged, html=False, what="text") == "no"
    script = Interpolated(((False, "<p>", "<p>"), (True, "<b>", "<b>"), (False, "</p>", "")))
    assert renderer.string(script, html=True, what="html") == "<p>&lt;b&gt;</p>"


def test_a_data_piece_in_a_comment_goes_with_the_comment() -> None:
    source, data = jinja_source(((False, "a{# ", ""), (True, "x", "x"), (False, " #}b", "")))
    assert source == "a{#  #}b" and data == {}

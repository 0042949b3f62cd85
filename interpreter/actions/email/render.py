"""Rendering a campaign's email templates in Jinja2's sandbox.

The templates come from the campaign's pinned files, never from the disk, so a
run renders exactly what it started with. The sandbox keeps a template away from
Python internals, and ``bounded.py`` bounds each render's work, time and size;
HTML templates are autoescaped so a ``<script>`` in a user's name arrives as
text. Every failure names the template and cannot be fixed by retrying, because
rendering is deterministic.

Data is never template code: a ``subject``, ``html`` or ``text`` written with
``${ }`` arrives as an ``Interpolated`` string, and only its literal pieces are
Jinja source. Each data piece becomes a variable of the render (``{{ _flow_0 }}``),
so a signup named ``{{ run.id }}`` is printed as that name, escaped in HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

import jinja2
from markupsafe import escape

from interpreter.actions.base import JSON
from interpreter.actions.email.bounded import (
    BoundedEnvironment,
    RenderLimitError,
    RenderLimits,
    render_bounded,
)
from interpreter.errors import ActionError
from interpreter.language.interpolated import Interpolated, Pieces

LIMITS = RenderLimits()
_DATA = "_flow_"  # the prefix of the variables that hold a string's data pieces

_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".xml")


def is_html(path: str) -> bool:
    return path.lower().endswith(_HTML_SUFFIXES)


@lru_cache(maxsize=64)
def _environments(files: frozenset[tuple[str, str]]) -> tuple[BoundedEnvironment, ...]:
    """One pair of environments per distinct set of campaign files.

    Building an environment and compiling a template cost about a millisecond
    each; cached here, every email of a campaign after the first reuses both
    (Jinja keeps the compiled templates inside its environment).
    """
    loader = jinja2.DictLoader(dict(files))
    html = BoundedEnvironment(loader=loader, autoescape=True, keep_trailing_newline=True)
    # Subjects and text parts are not HTML: escaping "&" there would show "&amp;".
    text = BoundedEnvironment(loader=loader, autoescape=False, keep_trailing_newline=True)
    return html, text


@lru_cache(maxsize=256)
def _from_string(environment: BoundedEnvironment, source: str) -> jinja2.Template:
    return environment.from_string(source)


class TemplateRenderer:
    """Renders templates by their YAML path from one campaign's files."""

    def __init__(self, files: Mapping[str, str], scope: Mapping[str, JSON]) -> None:
        self._scope = dict(scope)
        self._html, self._text = _environments(frozenset(files.items()))
        self._files = files

    def has(self, path: str) -> bool:
        return path in self._files

    def file(self, path: str) -> str:
        if path not in self._files:
            raise ActionError(
                f"email.send: template {path!r} is not among the campaign's files",
                retryable=False,
            )
        return self._render(lambda: self._environment(path).get_template(path), path)

    def string(self, source: str, *, html: bool, what: str) -> str:
        if isinstance(source, Interpolated):
            return self._interpolated(source, html=html, what=what)
        if "{" not in source and "\r" not in source:
            # No Jinja delimiter (they all open with "{"), and no line end for
            # Jinja to normalise: the output is the source, without a render
            # (a constant subject costs a template context otherwise).
            return source
        environment = self._html if html else self._text
        return self._render(lambda: _from_string(environment, source), what)

    def _interpolated(self, source: Interpolated, *, html: bool, what: str) -> str:
        literals = [text for is_data, text, _ in source.pieces if not is_data]
        if not any("{" in text or "\r" in text for text in literals):
            # Nothing for Jinja to do: the data pieces still get HTML's escaping.
            return "".join(
                str(escape(text)) if is_data and html else text
                for is_data, text, _ in source.pieces
            )
        template, data = jinja_source(source.pieces)
        environment = self._html if html else self._text
        return self._render(lambda: _from_string(environment, template), what, data)

    def _environment(self, path: str) -> BoundedEnvironment:
        return self._html if is_html(path) else self._text

    def _render(
        self, load: Callable[[], jinja2.Template], what: str, data: Mapping[str, JSON] | None = None
    ) -> str:
        try:
            return render_bounded(load(), {**self._scope, **data} if data else self._scope, LIMITS)
        except jinja2.TemplateSyntaxError as error:
            raise ActionError(
                f"email.send: template {what!r} line {error.lineno}: {_one_line(error.message)}",
                retryable=False,
            ) from None
        except RenderLimitError as error:
            raise ActionError(
                f"email.send: template {what!r} stopped: {error}", retryable=False
            ) from None
        except jinja2.TemplateNotFound as error:
            raise ActionError(
                f"email.send: template {what!r} includes {error.name!r},"
                " which is not among the campaign's files",
                retryable=False,
            ) from None
        except Exception as error:
            # SecurityError, UndefinedError, or a Python error raised by an
            # expression such as 1/0: all deterministic, all the author's to fix.
            raise ActionError(
                f"email.send: template {what!r}: {type(error).__name__}: {_one_line(error)}",
                retryable=False,
            ) from None


def jinja_source(pieces: Pieces) -> tuple[str, dict[str, JSON]]:
    """The Jinja source of an interpolated string, and the variables holding its data.

    A data piece in plain text becomes ``{{ _flow_N }}``; inside a Jinja tag
    (``{% if ${ x } %}``) it becomes the bare name, so it is still a value; in a
    comment it is dropped with the comment. Printed, a value is its text (JSON
    for a list); in a tag, it is the value itself.
    """
    parts: list[str] = []
    data: dict[str, JSON] = {}
    state = "text"
    for is_data, text, value in pieces:
        if not is_data:
            parts.append(text)
            state = _tag_state(text, state)
            continue
        name = f"{_DATA}{len(data)}"
        if state == "text":
            data[name] = text
            parts.append("{{ " + name + " }}")
        elif state == "tag":
            data[name] = value
            parts.append(f" {name} ")
    return "".join(parts), data


_OPENERS = {"{{": "tag", "{%": "tag", "{#": "comment"}
_CLOSERS = {"tag": ("}}", "%}"), "comment": ("#}",)}


def _tag_state(text: str, state: str) -> str:
    """Whether the end of ``text`` is in plain text, inside a tag, or in a comment."""
    index = 0
    while index < len(text) - 1:
        pair = text[index : index + 2]
        if state == "text" and pair in _OPENERS:
            state = _OPENERS[pair]
            index += 2
        elif state != "text" and pair in _CLOSERS[state]:
            state = "text"
            index += 2
        else:
            index += 1
    return state


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]

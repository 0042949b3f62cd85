"""Rendering a campaign's email templates in Jinja2's sandbox.

The templates come from the campaign's pinned files, never from the disk, so a
run renders exactly what it started with. The sandbox keeps a template away from
Python internals; HTML templates are autoescaped so a ``<script>`` in a user's
name arrives as text. Every failure names the template and cannot be fixed by
retrying, because rendering is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from interpreter.actions.base import JSON
from interpreter.errors import ActionError

_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".xml")


def is_html(path: str) -> bool:
    return path.lower().endswith(_HTML_SUFFIXES)


@lru_cache(maxsize=64)
def _environments(files: frozenset[tuple[str, str]]) -> tuple[SandboxedEnvironment, ...]:
    """One pair of environments per distinct set of campaign files.

    Building an environment and compiling a template cost about a millisecond
    each; cached here, every email of a campaign after the first reuses both
    (Jinja keeps the compiled templates inside its environment).
    """
    loader = jinja2.DictLoader(dict(files))
    html = SandboxedEnvironment(loader=loader, autoescape=True, keep_trailing_newline=True)
    # Subjects and text parts are not HTML: escaping "&" there would show "&amp;".
    text = SandboxedEnvironment(loader=loader, autoescape=False, keep_trailing_newline=True)
    return html, text


@lru_cache(maxsize=256)
def _from_string(environment: SandboxedEnvironment, source: str) -> jinja2.Template:
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
        if "{" not in source and "\r" not in source:
            # No Jinja delimiter (they all open with "{"), and no line end for
            # Jinja to normalise: the output is the source, without a render
            # (a constant subject costs a template context otherwise).
            return source
        environment = self._html if html else self._text
        return self._render(lambda: _from_string(environment, source), what)

    def _environment(self, path: str) -> SandboxedEnvironment:
        return self._html if is_html(path) else self._text

    def _render(self, load: Callable[[], jinja2.Template], what: str) -> str:
        try:
            return load().render(self._scope)
        except jinja2.TemplateSyntaxError as error:
            raise ActionError(
                f"email.send: template {what!r} line {error.lineno}: {_one_line(error.message)}",
                retryable=False,
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


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]

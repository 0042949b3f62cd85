"""A Jinja2 sandbox whose every render is bounded in work, time and output size.

The sandbox keeps a template away from Python internals but not from the CPU:
two nested ``{% for %}`` over ``range(100000)`` (the sandbox's own cap) run ten
billion iterations and pin a worker thread that no signal can interrupt. A
thread cannot be stopped from outside, so the template stops itself:

- the code generator writes a ``environment.flow_tick()`` at the top of every
  frame (each loop iteration, each macro call, each block) and into the filter
  of a ``{% for … if … %}``; a tick counts against a step budget and, every
  few thousand ticks, against a deadline;
- the output is streamed (``Template.generate``) and cut past ``max_chars``;
  buffered text (``{% set %}`` blocks, macros, ``~``) is measured before it is
  joined;
- the operations that make a big string from a small one in one call
  (``"x" * n``, ``"%9999999d" % 1``, ``str.ljust``, ``center``, ``indent``,
  ``replace``, ``join``, ``format``) have their result size estimated and
  refused before they allocate.

The budget lives in a ``ContextVar``, so renders on different threads never
share one, and nothing needs a second thread or a signal.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment


class RenderLimitError(Exception):
    """A template render went past its budget."""


@dataclass(frozen=True)
class RenderLimits:
    """Per render: ``steps`` ticks (loop iterations, macro calls, blocks),
    ``seconds`` of wall time, ``max_chars`` of output and of any one string."""

    steps: int = 250_000
    seconds: float = 2.0
    max_chars: int = 1_000_000


@dataclass
class _Budget:
    limits: RenderLimits
    deadline: float
    steps: int = 0


_BUDGET: ContextVar[_Budget | None] = ContextVar("flow_render_budget", default=None)
_CLOCK_EVERY = 4096  # ticks between two reads of the clock (a read costs ~50 ns)


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.steps += 1
    if budget.steps > budget.limits.steps:
        raise RenderLimitError(f"more than {budget.limits.steps:,} loop iterations or calls")
    if budget.steps % _CLOCK_EVERY == 0 and time.monotonic() > budget.deadline:
        raise RenderLimitError(f"rendering took longer than {budget.limits.seconds:g} s")


def _max_chars() -> int:
    budget = _BUDGET.get()
    return budget.limits.max_chars if budget is not None else RenderLimits.max_chars


def _check_size(size: float, what: str) -> None:
    limit = _max_chars()
    if size > limit:
        raise RenderLimitError(f"{what} would be longer than {limit:,} characters")


class _BoundedCodeGenerator(CodeGenerator):
    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        self.writeline("environment.flow_tick()")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if node.test is not None:
            # Items the test filters out never reach the body's tick: count
            # them in the test itself.
            # ``flow_tick()`` gives None, so ``None or test`` is the test.
            ticked = nodes.Call(nodes.Name("flow_tick", "load"), [], [], None, None)
            node.test = nodes.Or(ticked, node.test)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.flow_checked(")
        super().visit_Concat(node, frame)
        self.write(")")


# Widths and precisions in a %-format or a str.format spec: "%9999999d", "{:>9999999}".
_FORMAT_NUMBERS = re.compile(r"\d+")


def _format_estimate(template: object, extra: float) -> float:
    if not isinstance(template, str):
        return 0
    widest = max((int(n) for n in _FORMAT_NUMBERS.findall(template) if len(n) < 12), default=0)
    if any(len(n) >= 12 for n in _FORMAT_NUMBERS.findall(template)):
        return math.inf
    return len(template) + widest * max(template.count("%") + template.count("{"), 1) + extra


def _size_of(value: object) -> int:
    return len(value) if isinstance(value, str | list | tuple) else len(str(value))


def _join_estimate(separator: object, items: object) -> float:
    if not isinstance(items, list | tuple):
        return 0
    return sum(_size_of(item) for item in items) + _size_of(separator) * len(items)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# Result-size estimates, by str method name: (the string, args) -> characters.
_STRING_METHODS: dict[str, Callable[[str, tuple[Any, ...]], float]] = {
    "ljust": lambda s, a: max(len(s), _int(a[0]) if a else 0),
    "rjust": lambda s, a: max(len(s), _int(a[0]) if a else 0),
    "center": lambda s, a: max(len(s), _int(a[0]) if a else 0),
    "zfill": lambda s, a: max(len(s), _int(a[0]) if a else 0),
    "expandtabs": lambda s, a: len(s) + s.count("\t") * (_int(a[0]) if a else 8),
    "replace": lambda s, a: (
        len(s) + (s.count(a[0]) if a[0] else len(s) + 1) * _size_of(a[1])
        if len(a) >= 2 and isinstance(a[0], str)
        else 0
    ),
    "join": lambda s, a: (
        _join_estimate(s, list(a[0])) if a and isinstance(a[0], list | tuple) else 0
    ),
    "format": lambda s, a: _format_estimate(s, sum(_size_of(x) for x in a)),
    "format_map": lambda s, a: _format_estimate(s, 0),
}

# The same for filters: (the filtered value, args) -> characters.
_FILTERS: dict[str, Callable[[Any, tuple[Any, ...]], float]] = {
    "center": lambda v, a: max(_size_of(v), _int(a[0]) if a else 80),
    "indent": lambda v, a: (
        _size_of(v)
        + (str(v).count("\n") + 1)
        * (_size_of(a[0]) if a and isinstance(a[0], str) else _int(a[0]) if a else 4)
    ),
    "replace": lambda v, a: _STRING_METHODS["replace"](str(v), a),
    "join": lambda v, a: _join_estimate(
        a[0] if a else "", list(v) if isinstance(v, list | tuple) else []
    ),
    "format": lambda v, a: _format_estimate(v, sum(_size_of(x) for x in a)),
    "wordwrap": lambda v, a: 2 * _size_of(v),
}


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    estimate = _FILTERS[name]
    pass_arg = getattr(function, "jinja_pass_arg", None)

    def bounded(*args: Any, **kwargs: Any) -> Any:
        # Filters that take the environment or context get it first.
        offset = 1 if pass_arg is not None else 0
        if len(args) > offset:
            _check_size(estimate(args[offset], args[offset + 1 :]), f"the {name!r} filter's result")
        return function(*args, **kwargs)

    if pass_arg is not None:
        bounded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]  # Jinja's marker
    return bounded


class BoundedEnvironment(SandboxedEnvironment):
    """A sandbox whose templates tick and whose growth operations are measured."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "%", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {
            name: _bounded_filter(name, function) if name in _FILTERS else function
            for name, function in self.filters.items()
        }
        self.globals["flow_tick"] = _tick  # what the ``for … if`` test calls

    flow_tick = staticmethod(_tick)

    @staticmethod
    def flow_checked(text: Any) -> Any:
        _check_size(_size_of(text), "a joined string")
        return text

    @staticmethod
    def concat(parts: Iterable[str]) -> str:
        items = list(parts)
        _check_size(sum(map(len, items)), "a block's text")
        return "".join(items)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, str | list | tuple) and isinstance(times, int):
                    _check_size(len(sequence) * max(times, 0), "a repeated value")
        elif operator == "%" and isinstance(left, str):
            _check_size(_format_estimate(left, _size_of(right)), "a formatted string")
        elif (
            operator == "**"
            and isinstance(left, int | float)
            and isinstance(right, int | float)
            and abs(left) > 1
            and right > 0
            and right * math.log2(abs(left)) > 100_000
        ):
            raise RenderLimitError("a power with more than 100,000 bits")
        return super().call_binop(context, operator, left, right)

    def call(
        __self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # The sandbox hands out str.format wrapped; the method is its __wrapped__.
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(owner, str):
            estimate = _STRING_METHODS.get(getattr(__obj, "__name__", ""))
            if estimate is not None:
                _check_size(estimate(owner, args), f"str.{__obj.__name__}'s result")
        return super().call(__context, __obj, *args, **kwargs)


def render_bounded(template: jinja2.Template, scope: dict[str, Any], limits: RenderLimits) -> str:
    """Render ``template`` in ``scope`` within ``limits``; ``RenderLimitError`` past them."""
    token = _BUDGET.set(_Budget(limits, time.monotonic() + limits.seconds))
    try:
        chunks: list[str] = []
        size = 0
        stream: Iterator[str] = template.generate(scope)
        for chunk in stream:
            size += len(chunk)
            if size > limits.max_chars:
                raise RenderLimitError(f"the output is longer than {limits.max_chars:,} characters")
            chunks.append(chunk)
        return "".join(chunks)
    finally:
        _BUDGET.reset(token)

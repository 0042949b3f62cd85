"""Seeded mutations of a campaign's text, the kinds that broke `flow lint`
before: numbers too large for what they become, collections nested thousands
deep (flow and block), and the usual fuzzing of punctuation, lines and bytes.

Mutations stay out of CEL on purpose: deep CEL is bounded by the CEL parser,
and its own tests."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

HUGE = (
    "9" * 20,
    "9" * 400,
    "-" + "9" * 30,
    "1e400",
    "0x" + "f" * 50,
    "1" + "0" * 25 + ".5",
    ".inf",
    "-.inf",
    ".nan",
)
DURATIONS = (
    "99999999999999999999d",
    "9" * 60 + "d",
    "1" + "0" * 20 + "s",
    "P99999999999D",
    "PT9999999999999999999999H",
    "P" + "9" * 400 + "D",
    "36501d",
    "0s",
    "-1d",
    "1d" * 50,
)
SCALARS = (
    "[]",
    "{}",
    "null",
    "true",
    "-1",
    "0",
    "3.5",
    "[1, 2]",
    "{x: 1}",
    "''",
    "~",
    *HUGE,
    *DURATIONS,
)


def _value_spot(text: str, rng: random.Random) -> tuple[int, int]:
    """Where one `key: value` value stands (to the end of its line)."""
    starts = [m.end() for m in re.finditer(r": ", text)]
    start = rng.choice(starts)
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def huge_number(text: str, rng: random.Random) -> str:
    numbers = [m.span() for m in re.finditer(r"\d+", text)]
    start, end = rng.choice(numbers) if rng.random() < 0.6 else _value_spot(text, rng)
    return text[:start] + rng.choice(HUGE) + text[end:]


def huge_duration(text: str, rng: random.Random) -> str:
    start, end = rng.choice([m.span() for m in re.finditer(r"\b\d+d\b", text)])
    return text[:start] + rng.choice(DURATIONS) + text[end:]


def deep_flow(text: str, rng: random.Random) -> str:
    depth = rng.choice((50, 70, 200, 1_000, 5_000, 20_000))
    opener, closer = rng.choice((("[", "]"), ("{a: ", "}"), ("[{a: ", "}]")))
    start, end = _value_spot(text, rng)
    return text[:start] + opener * depth + "1" + closer * depth + text[end:]


def deep_block(text: str, rng: random.Random) -> str:
    depth = rng.choice((50, 70, 300, 1_000))
    item = rng.choice(("k{}:", "- k{}:"))
    lines = ["  " * (i + 1) + item.format(i) for i in range(depth)]
    return text + "vars_extra:\n" + "\n".join(lines) + "\n" + "  " * (depth + 1) + "v\n"


def delete_span(text: str, rng: random.Random) -> str:
    start = rng.randrange(len(text))
    return text[:start] + text[start + rng.randint(1, 80) :]


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    lines.insert(rng.randrange(len(lines)), rng.choice(lines))
    return "".join(lines)


def swap_lines(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def punctuation(text: str, rng: random.Random) -> str:
    start = rng.randrange(len(text))
    noise = "".join(rng.choice("[]{}:,-&*!|>'\"#%@`?\t\x00") for _ in range(rng.randint(1, 6)))
    return text[:start] + noise + text[start:]


def retype_value(text: str, rng: random.Random) -> str:
    start, end = _value_spot(text, rng)
    return text[:start] + rng.choice(SCALARS) + text[end:]


def aliases(text: str, rng: random.Random) -> str:
    anchored = text.replace("id: welcome_email", "id: &a welcome_email", 1)
    return anchored.replace(
        rng.choice(("id: route", "sleep: 1d", "event: app/signup.completed")),
        rng.choice(("id: *a", "sleep: *a", "event: *b")),
        1,
    )


def odd_characters(text: str, rng: random.Random) -> str:
    start = rng.randrange(len(text))
    chars = "".join(
        chr(rng.choice((0x85, 0x2028, 0xFEFF, 0x1F600, 0x7F, 0xE9, 0x202E)))
        for _ in range(rng.randint(1, 4))
    )
    return text[:start] + chars + text[start:]


def reindent(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    lines[i] = " " * rng.randint(0, 7) + lines[i].lstrip(" ")
    return "".join(lines)


MUTATIONS: tuple[Callable[[str, random.Random], str], ...] = (
    huge_number,
    huge_duration,
    deep_flow,
    deep_block,
    delete_span,
    duplicate_line,
    swap_lines,
    punctuation,
    retype_value,
    aliases,
    odd_characters,
    reindent,
)


def mutant(text: str, seed: int) -> tuple[str, str]:
    """One or two mutations of ``text``, the same for the same seed; and their names."""
    rng = random.Random(seed)
    names = []
    for _ in range(1 if rng.random() < 0.7 else 2):
        mutation = rng.choice(MUTATIONS)
        text = mutation(text, rng)
        names.append(mutation.__name__)
    return text, "+".join(names)

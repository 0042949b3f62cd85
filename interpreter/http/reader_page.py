"""The pages a reader of flow's email opens from a link in it (unsubscribe,
preferences, not found): one look, carrying the sender's name, with a small
inline stylesheet and no JavaScript, which the Content-Security-Policy forbids
outright.

The sender's name is ``FLOW_SENDER_NAME``, else the display name of
``FLOW_EMAIL_FROM`` (``Acme <news@acme.example>`` gives ``Acme``), else the
domain of its address, so the page says whose emails these are without a
second setting.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from email.utils import parseaddr

from starlette.responses import HTMLResponse

# No script can run (default-src 'none'); the inline <style> is the one thing
# allowed, and the form may post only back to this server.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"

_STYLE = """
:root { color-scheme: light dark; --ink: #1d2430; --muted: #5b6576; --line: #d5dae2;
  --accent: #2f5fd0; --paper: #ffffff; --wash: #f3f5f8 }
@media (prefers-color-scheme: dark) { :root { --ink: #e6e9ef; --muted: #a3acbb;
  --line: #3a4250; --accent: #8aa8ff; --paper: #1b1f27; --wash: #12151b } }
body { margin: 0; background: var(--wash); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif }
main { max-width: 32rem; margin: 3rem auto; padding: 1.5rem 2rem; background: var(--paper);
  border: 1px solid var(--line); border-radius: 8px }
.sender { margin: 0 0 .5rem; color: var(--muted); font-size: .875rem; letter-spacing: .02em }
h1 { margin: 0 0 1rem; font-size: 1.5rem; line-height: 1.2 }
.done { padding: .75rem 1rem; border-left: 4px solid var(--accent); background: var(--wash) }
label { display: block; padding: .25rem 0 }
button { font: inherit; padding: .5rem 1rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--accent); background: var(--accent); color: var(--paper) }
button.quiet { background: transparent; color: var(--accent) }
a { color: var(--accent) }
small { color: var(--muted) }
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>{style}</style></head>
<body><main><p class="sender">{sender}</p><h1>{title}</h1>{body}</main></body></html>
"""


def sender_name(environ: Mapping[str, str]) -> str | None:
    """Whose emails these are, from the settings; None when nothing says."""
    name = environ.get("FLOW_SENDER_NAME", "").strip()
    if name:
        return name
    display, address = parseaddr(environ.get("FLOW_EMAIL_FROM", ""))
    if display.strip():
        return display.strip()
    return address.rpartition("@")[2] or None


def reader_page(
    title: str,
    body: str,
    sender: str | None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """``body`` is HTML the caller escaped; ``title`` and ``sender`` are text."""
    page = _PAGE.format(
        title=html.escape(title),
        style=_STYLE,
        sender=html.escape(sender or "Email preferences"),
        body=body,
    )
    return HTMLResponse(
        page, status_code=status, headers={**(headers or {}), "Content-Security-Policy": _CSP}
    )


def from_sender(sender: str | None) -> str:
    """ " from Acme", or nothing when the sender is not known: for sentences
    such as "You are unsubscribed from tips emails from Acme"."""
    return f" from {html.escape(sender)}" if sender else ""

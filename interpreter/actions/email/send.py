"""The ``email.send`` action: render, build, hand to a transport."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath

from interpreter.actions._arguments import optional_str, reject_unknown, require_str
from interpreter.actions.base import JSON, ActionContext
from interpreter.actions.email.html_text import html_to_text
from interpreter.actions.email.message import (
    Draft,
    build_message,
    check_address,
    check_subject,
    email_id_for,
    message_id_for,
)
from interpreter.actions.email.render import TemplateRenderer, is_html
from interpreter.actions.email.transport import EmailTransport, OutboxTransport
from interpreter.errors import ActionError

DEFAULT_FROM = "flow@localhost"
_ARGUMENTS = frozenset({"to", "subject", "template", "from", "html", "text"})


class EmailSendAction:
    """``with: {to, subject, template? | html?, text?, from?}``.

    Output: ``{id, message_id, to, subject}``.

    Without a transport it writes to the outbox under the context's data
    directory, so each run's data directory keeps its own mail.
    """

    name: str = "email.send"

    def __init__(
        self,
        *,
        transport: EmailTransport | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._transport = transport
        self._environ = environ if environ is not None else os.environ
        self._clock = clock or (lambda: datetime.now(UTC))

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        reject_unknown(arguments, _ARGUMENTS, self.name)
        to = _recipients(arguments.get("to"))
        sender = check_address(
            optional_str(arguments, "from", self.name)
            or self._environ.get("FLOW_EMAIL_FROM")
            or DEFAULT_FROM,
            "from",
        )
        # unsubscribe_url stays None until unsubscribe links exist (issue 6).
        renderer = TemplateRenderer(
            context.files, {**context.render_scope, "unsubscribe_url": None}
        )
        subject = check_subject(
            renderer.string(
                require_str(arguments, "subject", self.name), html=False, what="subject"
            )
        )
        html, text = _bodies(arguments, renderer)
        message_id = message_id_for(
            context.run_id, context.step_id, context.idempotency_key, sender
        )
        email_id = email_id_for(context.idempotency_key)
        message = build_message(
            Draft(
                sender=sender,
                to=to,
                subject=subject,
                html=html,
                text=text if text is not None or html is None else html_to_text(html),
                message_id=message_id,
                email_id=email_id,
                date=self._clock(),
            )
        )
        transport = self._transport or OutboxTransport(context.data_dir / "outbox")
        transport.send(message, context.idempotency_key)
        return {
            "id": email_id,
            "message_id": message_id,
            "to": to[0] if isinstance(arguments.get("to"), str) else list(to),
            "subject": subject,
        }


def _recipients(value: JSON) -> list[str]:
    if isinstance(value, str):
        return [check_address(value, "to")]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return [check_address(item, "to") for item in value]
    if value is None:
        raise ActionError("email.send: 'to' is required", retryable=False)
    raise ActionError(
        "email.send: 'to' must be an email address or a list of them", retryable=False
    )


def _bodies(
    arguments: Mapping[str, JSON], renderer: TemplateRenderer
) -> tuple[str | None, str | None]:
    """The HTML and plain-text bodies; either may be None, not both."""
    template = optional_str(arguments, "template", "email.send")
    inline_html = optional_str(arguments, "html", "email.send")
    inline_text = optional_str(arguments, "text", "email.send")
    if template and inline_html is not None:
        raise ActionError("email.send: give 'template' or 'html', not both", retryable=False)
    html: str | None = None
    text: str | None = None
    if template:
        if is_html(template):
            html = renderer.file(template)
            twin = str(PurePosixPath(template).with_suffix(".txt"))
            if inline_text is None and renderer.has(twin):
                text = renderer.file(twin)
        else:
            text = renderer.file(template)
    elif inline_html is not None:
        html = renderer.string(inline_html, html=True, what="html")
    if inline_text is not None:
        text = renderer.string(inline_text, html=False, what="text")
    if html is None and text is None:
        raise ActionError("email.send: give a 'template', 'html' or 'text' body", retryable=False)
    return html, text

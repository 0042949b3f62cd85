"""The ``email.send`` action: check the suppression list, render, track, build,
hand to a transport.

With ``FLOW_PUBLIC_URL`` (and ``FLOW_SECRET_KEY``) set, every email carries
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058) and templates see
``unsubscribe_url``; unless ``with.track`` is false, its HTML links go through
the click endpoint and an open pixel is added (see ``tracking.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import PurePosixPath

from interpreter.actions._arguments import (
    optional_bool,
    optional_str,
    reject_unknown,
    require_str,
)
from interpreter.actions.base import JSON, ActionContext
from interpreter.actions.email.caps import SendReservation, capped_output
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
from interpreter.actions.email.tracking import TokenSigner, TrackingToken, track_html
from interpreter.actions.email.transport import EmailTransport, OutboxTransport
from interpreter.errors import ActionError
from interpreter.language.policies import Category

DEFAULT_FROM = "flow@localhost"
_ARGUMENTS = frozenset({"to", "subject", "template", "from", "html", "text", "track", "category"})

# Given bare addresses and the email's category (None for a transactional one
# or none at all), returns those (lower-cased) it may not go to, each with what
# blocks it: None for the whole suppression list, or the category they left.
SuppressionCheck = Callable[[Sequence[str], str | None], Mapping[str, str | None]]


class EmailSendAction:
    """``with: {to, subject, template? | html?, text?, from?, track?}``.

    Output: ``{id, message_id, to, subject}``, plus ``provider_id`` when the
    transport returns one; ``{skipped: "suppressed", id, to, subject}`` when
    every recipient is on the suppression list (suppressed recipients are
    dropped from a list of several); ``{skipped: "capped", category, id, to,
    subject}`` when a frequency cap of its category is full (``caps.py``).

    Without a transport it writes to the outbox under the context's data
    directory, so each run's data directory keeps its own mail.
    """

    name: str = "email.send"

    def outside_effect(self, arguments: Mapping[str, JSON]) -> bool:
        # The outbox names a file by the message id, so a second send of the
        # same step replaces its own file; any other transport delivers again.
        # (No transport means the outbox under the run's data directory.)
        return self._transport is not None and not isinstance(self._transport, OutboxTransport)

    def __init__(
        self,
        *,
        transport: EmailTransport | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        suppressed: SuppressionCheck | None = None,
        reserve_send: SendReservation | None = None,
    ) -> None:
        self._transport = transport
        self._suppressed = suppressed
        self._reserve_send = reserve_send
        self._environ = environ if environ is not None else os.environ
        self._clock = clock or (lambda: datetime.now(UTC))

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        reject_unknown(arguments, _ARGUMENTS, self.name)
        to = _recipients(arguments.get("to"))
        email_id = email_id_for(context.idempotency_key)
        category = _category(arguments, context)
        if self._suppressed is not None:
            topic = None if category is None or category.transactional else category.name
            blocked = self._suppressed([_bare(address) for address in to], topic)
            if blocked:
                to = [address for address in to if _bare(address).lower() not in blocked]
                if not to:
                    everywhere = any(left is None for left in blocked.values())
                    skipped: dict[str, JSON] = {
                        "skipped": "suppressed" if everywhere else "unsubscribed",
                        "id": email_id,
                        "to": _output_to(
                            arguments, [_bare(a) for a in _recipients(arguments.get("to"))]
                        ),
                        "subject": require_str(arguments, "subject", self.name),
                    }
                    if category is not None:
                        skipped["category"] = category.name
                    return skipped
        links = _Links.from_environ(
            self._environ, email_id, [_bare(address) for address in to], category
        )
        sender = check_address(
            optional_str(arguments, "from", self.name)
            or self._environ.get("FLOW_EMAIL_FROM")
            or DEFAULT_FROM,
            "from",
        )
        renderer = TemplateRenderer(
            context.files,
            {
                **context.render_scope,
                "unsubscribe_url": links.unsubscribe_url,
                "preferences_url": links.preferences_url,
            },
        )
        subject = check_subject(
            renderer.string(
                require_str(arguments, "subject", self.name), html=False, what="subject"
            )
        )
        html, text = links.with_preferences(*_bodies(arguments, renderer))
        if text is None and html is not None:
            text = html_to_text(html)  # from the untracked HTML: readable links
        if html is not None and optional_bool(arguments, "track", self.name, True):
            html = links.track(html)
        message_id = message_id_for(
            context.run_id, context.step_id, context.idempotency_key, sender
        )
        message = build_message(
            Draft(
                sender=sender,
                to=to,
                subject=subject,
                html=html,
                text=text,
                message_id=message_id,
                email_id=email_id,
                date=context.now or self._clock(),
                headers=links.headers(),
            )
        )
        # Last before the transport: the send is recorded only once it is ready to go.
        now = context.now or self._clock()
        capped = capped_output(self._reserve_send, category, [_bare(a) for a in to], context, now)
        if capped is not None:
            return {**capped, "id": email_id, "to": _output_to(arguments, to), "subject": subject}
        transport = self._transport or OutboxTransport(context.data_dir / "outbox")
        provider_id = transport.send(message, context.idempotency_key)
        output: dict[str, JSON] = {
            "id": email_id,
            "message_id": message_id,
            "to": _output_to(arguments, to),
            "subject": subject,
        }
        if provider_id:
            output["provider_id"] = provider_id
        if category is not None:
            output["category"] = category.name
        return output


class _Links:
    """The unsubscribe link and the tracking rewrite for one email, from the
    environment: nothing unless ``FLOW_PUBLIC_URL`` is set."""

    def __init__(
        self,
        signer: TokenSigner | None,
        public_url: str | None,
        mailto: str | None,
        email_id: str,
        to: list[str],
        category: Category | None = None,
    ) -> None:
        self._signer = signer
        self._public_url = public_url
        self._mailto = mailto
        self._email_id = email_id
        self._to: str | list[str] = to[0] if len(to) == 1 else to
        self.unsubscribe_url: str | None = None
        self.preferences_url: str | None = None
        self._transactional = bool(category and category.transactional)
        # A transactional email (a receipt) has neither: no topic to leave, and
        # the suppression list does not stop it being needed.
        if signer is not None and public_url and not (category and category.transactional):
            topic = category.name if category else None
            self.unsubscribe_url = signer.url(
                public_url, TrackingToken("unsubscribe", email_id, self._to, category=topic)
            )
            if category is not None:
                self.preferences_url = signer.url(
                    public_url, TrackingToken("preferences", email_id, self._to)
                )

    def with_preferences(self, html: str | None, text: str | None) -> tuple[str | None, str | None]:
        """The bodies with a link to the preferences page at the end, unless the
        template placed ``preferences_url`` itself: every email with a category
        links to it."""
        url = self.preferences_url
        if url is None:
            return html, text
        if html is not None and escape(url) not in html and url not in html:
            footer = f'<p style="font-size:12px;color:#666"><a href="{escape(url)}">'
            footer += "Email preferences</a></p>"
            end = html.lower().rfind("</body")
            html = html[:end] + footer + html[end:] if end >= 0 else html + footer
        if text is not None and url not in text:
            text = f"{text.rstrip()}\n\nEmail preferences: {url}\n"
        return html, text

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str],
        email_id: str,
        to: list[str],
        category: Category | None = None,
    ) -> _Links:
        public_url = (environ.get("FLOW_PUBLIC_URL") or "").strip().rstrip("/") or None
        mailto = (environ.get("FLOW_UNSUBSCRIBE_MAILTO") or "").strip() or None
        signer: TokenSigner | None = None
        if public_url:
            secret_key = environ.get("FLOW_SECRET_KEY") or ""
            if not secret_key:
                raise ActionError(
                    "email.send: FLOW_PUBLIC_URL is set but FLOW_SECRET_KEY is not:"
                    " tracking and unsubscribe links must be signed",
                    retryable=False,
                )
            signer = TokenSigner(secret_key)
        return cls(signer, public_url, mailto, email_id, to, category)

    def track(self, html: str) -> str:
        if self._signer is None or self._public_url is None:
            return html
        skip = frozenset(url for url in (self.unsubscribe_url, self.preferences_url) if url)
        return track_html(
            html,
            signer=self._signer,
            public_url=self._public_url,
            email_id=self._email_id,
            to=self._to,
            skip=skip,
        )

    def headers(self) -> tuple[tuple[str, str], ...]:
        if self._transactional:
            return ()  # a receipt is not a list to leave (RFC 8058 is for bulk mail)
        targets: list[str] = []
        if self.unsubscribe_url:
            targets.append(f"<{self.unsubscribe_url}>")
        if self._mailto:
            targets.append(f"<mailto:{self._mailto}?subject=unsubscribe>")
        if not targets:
            return ()
        headers = [("List-Unsubscribe", ", ".join(targets))]
        if self.unsubscribe_url:
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        return tuple(headers)


def _bare(address: str) -> str:
    """The address of a mailbox ``check_address`` normalised: ``a@b`` or
    ``Name <a@b>`` (cheaper than parsing it again with ``parseaddr``)."""
    if address.endswith(">") and "<" in address:
        return address[address.rindex("<") + 1 : -1]
    return address


def _output_to(arguments: Mapping[str, JSON], to: list[str]) -> JSON:
    return to[0] if isinstance(arguments.get("to"), str) else list(to)


def _category(arguments: Mapping[str, JSON], context: ActionContext) -> Category | None:
    """The email's category (``with.category``, the campaign's, the default), or
    None when the policies define no categories. A name lint could not check (a
    ``${ }``) that names no category fails the step: guessing could cap a receipt."""
    named = optional_str(arguments, "category", "email.send")
    category = context.policies.category_of(named, context.campaign_category)
    name = context.policies.category_name(named, context.campaign_category)
    if category is None and name is not None and context.policies.categories:
        raise ActionError(f"email.send: unknown category {name!r}", retryable=False)
    return category


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

"""The end of a visit as the end screen shows it, once the run itself is gone.

What the end screen may show comes from `run.session.record`: `transaction_number`, and
`receipt_url` (what the e-receipt QR code encodes) on an end step that shows `receipt_qr`;
nothing personal. The voice reads `take_away` from it to remind the citizen of their card
and their paper, and the rating's form names the service rated (`rated_service_line`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flows import Flow, RunRecord
from flows.actions import ActionName
from kiosk.ui.strings import ui_text

if TYPE_CHECKING:
    # The flow engine loads with the first visit, not for the menu (docs/touchscreen.md).
    from flows import FlowRun

# The `show:` item that asks for the QR code of the e-receipt.
RECEIPT_QR = "receipt_qr"

# A card the visit asked for stays on (or in) its reader: the reminder to take it away.
_TAKE_CARD = {
    ActionName.READ_ID_CARD: "ui.take_id_card",
    ActionName.READ_SOCIAL_CARD: "ui.take_social_card",
}


@dataclass(frozen=True)
class EndNotice:
    """What the end screen may show once the run is gone: nothing personal."""

    title: str
    prompt: str
    transaction_number: str
    outcome: str
    lang: str
    receipt_url: str = ""  # set: the end screen draws it as the e-receipt QR code
    follow_on: bool = False  # set: the end screen leads on to the rating, not to welcome
    take_away: tuple[str, ...] = ()  # what the voice reminds them to take (take_away())
    saved_to_send: bool = False  # kept on the kiosk, sent when the network is back


def take_away(run: FlowRun) -> tuple[str, ...]:
    """The catalog codes of what the citizen must not leave behind: their card, the paper.

    Read from the steps the run went through (the identity is wiped by the time it ends):
    a card step shown means a card was laid down, read or not.
    """
    actions = {run.flow.steps[name].action for name in run.history if name in run.flow.steps}
    cards = tuple(code for action, code in _TAKE_CARD.items() if action in actions)
    record = run.session.record
    paper = ("ui.take_receipt",) if record.receipt_printed or record.slips_printed else ()
    return cards + paper


def end_notice(
    run: FlowRun, *, follow_on: bool = False, number: bool = True, saved_to_send: bool = False
) -> EndNotice:
    """What the end screen shows of a finished run: its end step and its record only.

    `follow_on`: the visit goes on into the rating; `number`: False for the end of that
    rating, whose transaction number was shown already at the end of the transaction;
    `saved_to_send`: its transaction is kept on the kiosk, not yet with the controller,
    which the prompt then says.
    """
    lang = run.lang
    step = run.step
    record = run.session.record if number else RunRecord()
    title = step.title.get(lang)
    prompt = step.prompt.get(lang) if step.prompt else ""
    # No link, no code: the transaction number alone, never a made-up link.
    receipt_url = (record.receipt_url or "") if RECEIPT_QR in step.show else ""
    number_shown = record.transaction_number or ""
    if RECEIPT_QR in step.show and not receipt_url and number_shown:
        title, prompt = ui_text("no_qr_title", lang), ui_text("no_qr_prompt", lang)
    saved_to_send = saved_to_send and bool(number_shown)
    if saved_to_send:
        prompt = "\n".join(p for p in (prompt, ui_text("saved_to_send", lang)) if p)
    return EndNotice(
        title=title,
        prompt=prompt,
        transaction_number=number_shown,
        outcome=run.outcome or "",
        lang=lang,
        receipt_url=receipt_url,
        follow_on=follow_on,
        take_away=take_away(run),
        saved_to_send=saved_to_send,
    )


def rated_service_line(run: FlowRun, catalog: Sequence[Flow]) -> str:
    """The service rated and its number, for a run started after a transaction; else ""."""
    number = run.session.record.transaction_number or ""
    service = run.session.record.service or ""
    title = next((f.title.get(run.lang) for f in catalog if f.id == service), "")
    if not number or not title:
        return ""
    return ui_text("rated_service", run.lang, service=title, number=number)

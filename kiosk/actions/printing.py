"""Paper: what a receipt and a slip say (pure layout), and printing each exactly once.

A receipt shows personal data masked only: the name and ID number from the identity, the
phone and bank account masked, the rest of the answers from flows.submission.receipt_rows
(free text only where the flow says so, as the employer's name; labels without the form's
hints such as "（可多选）"). Its QR opens the transaction's public status page. The printer's job
journal (drivers/printer) makes a retried print a no-op even across a restart; the run
record makes a retried step one too.
"""

from __future__ import annotations

import logging
import uuid

from drivers.errors import DriverError
from drivers.printer import Block, Cut, KeyValue, Line, QrCode, Receipt, Rule, Title
from flows import ActionFailed, Flow, Item, Session
from flows.fields import paper_label
from flows.model import FieldKind
from flows.submission import receipt_rows
from kiosk.actions.station import Station
from kiosk.messages import for_error, text
from kiosk.receipts import ReceiptOutput
from pii import Sensitive

log = logging.getLogger(__name__)

# Personal answers worth a (masked) receipt line.
_MASKED_ON_RECEIPTS = {FieldKind.MOBILE, FieldKind.BANK_ACCOUNT}


def receipt_for(flow: Flow, station: Station, session: Session) -> Receipt:
    """The receipt of this run's transaction, with personal data masked."""
    ident = session.identity
    record = session.record
    number = record.transaction_number or ""
    rows: list[KeyValue] = [
        KeyValue("办理事项", flow.title.zh),
        KeyValue("办件编号", number),
        KeyValue("办理时间", record.submitted_at or ""),
    ]
    if ident is not None:
        rows += [
            KeyValue("姓名", ident.name.masked()),
            KeyValue("身份证号", ident.id_number.masked()),
        ]
    # The flow's non-personal answers (coded choices, dates, a bundle's services, the item
    # chosen), then personal answers masked (phone, bank account).
    rows += [KeyValue(label, value) for label, value in receipt_rows(flow, session)]
    personal = [f for step in flow.steps.values() for f in step.fields if f.personal]
    rows += [
        KeyValue(paper_label(spec, "zh-CN"), value.masked())
        for spec in personal
        if isinstance(value := session.values.get(spec.name), Sensitive)
        and spec.kind in _MASKED_ON_RECEIPTS
    ]
    return Receipt(
        job_id=record.transaction_key or number,
        blocks=(
            Title("就业服务回执"),
            Line(station.name, align="center"),
            Rule(),
            *rows,
            Rule(),
            # The link carries the receipt key submit made: the number alone opens nothing.
            *(
                (Line("扫码查询办理进度", align="center"), QrCode(record.receipt_url))
                if record.receipt_url
                else ()
            ),
            Line("请妥善保管本回执，凭办件编号查询进度。", align="center"),
            Cut(),
        ),
    )


def slip_for(
    flow: Flow, station: Station, item: Item, number: str | None, job: str, receipt_url: str | None
) -> Receipt:
    """A slip for the item chosen (a job, an appointment): its rows and a QR to follow it.

    The QR opens the transaction's page (`receipt_url`) when there is one (an appointment),
    else the item's own link (a job).
    """
    qr = receipt_url if number and receipt_url else item.qr
    blocks: list[Block] = [
        Title(f"{flow.title.zh}凭条"),
        Line(station.name, align="center"),
        Rule(),
    ]
    if number:
        blocks.append(KeyValue("办件编号", number))
    blocks.append(KeyValue("所选", item.title.zh))
    blocks += [KeyValue(label.zh, value.zh) for label, value in item.rows]
    if qr:
        blocks += [Rule(), Line("扫码查看详情", align="center"), QrCode(qr)]
    blocks.append(Cut())
    return Receipt(job_id=job, blocks=tuple(blocks))


class Printing:
    """print_receipt and print_slip for one run of `flow` (no printer: they refuse)."""

    def __init__(self, flow: Flow, station: Station, printer: ReceiptOutput | None) -> None:
        self._flow = flow
        self._station = station
        self._printer = printer

    def _output(self) -> ReceiptOutput:
        if self._printer is None:
            raise ActionFailed(text("kiosk.no_printer"))
        return self._printer

    def print_slip(self, session: Session) -> str:
        """Print the chosen item (a job, an appointment) with its QR, once per item."""
        item = session.current_item()
        if item is None:
            raise ActionFailed(text("kiosk.nothing_chosen"))
        record = session.record
        if item.id in record.slips_printed:
            return "ok"
        output = self._output()
        record.slip_key = record.slip_key or uuid.uuid4().hex
        job = f"slip-{record.slip_key}-{item.id}"
        slip = slip_for(
            self._flow, self._station, item, record.transaction_number, job, record.receipt_url
        )
        try:
            output.print(slip, job)
        except DriverError as err:
            log.info("slip not printed error=%s", type(err).__name__)
            raise ActionFailed(for_error(err)) from err
        record.slips_printed.add(item.id)
        return "ok"

    def print_receipt(self, session: Session) -> str:
        """Print the receipt once per transaction, however often the step is retried."""
        record = session.record
        if record.receipt_printed:
            return "ok"
        output = self._output()
        number = record.transaction_number
        if number is None:
            raise ActionFailed(text("kiosk.nothing_to_print"))
        try:
            files = output.print(receipt_for(self._flow, self._station, session), number)
        except DriverError as err:
            log.info("receipt not printed number=%s error=%s", number, type(err).__name__)
            raise ActionFailed(for_error(err)) from err
        record.receipt_printed = True
        if files is not None:
            record.receipt_file = str(files.escpos)
            if files.preview is not None:
                record.receipt_preview = str(files.preview)
        return "ok"

"""The inbox's filtered list as CSV or XLSX, streamed, with spreadsheet injection defused.

Rows are read in batches (`yield_per`; a server-side cursor on PostgreSQL) and written as
they come: CSV goes to the client chunk by chunk, XLSX is written by XlsxWriter in
`constant_memory` mode (one row in memory at a time) to a temporary file that is then
streamed and deleted. Neither holds the list in memory, so 100,000 rows cost what 1,000 do.

Personal data (ID number, name, answers) is unsealed only when the caller asks for it and
the route has checked the role (access.PERSONAL_DATA_READERS); otherwise the masked values
go out and answers not at all.

Every text cell is defused against formula injection: a value that begins with `=`, `+`,
`-`, `@`, a tab or a carriage return (or their full-width forms, which some spreadsheets
also read as formulas) gets a leading apostrophe, as OWASP's CSV-injection advice says,
so `=cmd|' /C calc'!A0` is shown as text, never run. XLSX cells are written with
`write_string` and the workbook refuses to turn strings into formulas or links. HTML in a
cell (`<script>`) stays inert text: both files are sent as attachments with their own
content types and `nosniff`, and never rendered as a page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.clock import CHINA_TIME
from controller.db import Database
from controller.models import Kiosk
from controller.services.inbox import Inbox
from controller.services.inbox_filters import Filters
from controller.services.intake import Intake
from controller.services.status_words import reason_words, status_text
from controller.services.titles import ServiceTitles

BATCH = 1000
# Characters that make a spreadsheet read a cell as a formula (or a DDE command).
_FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")

HEADER = (
    ("办件编号", "Number"),
    ("业务", "Service"),
    ("业务代码", "Service code"),
    ("状态", "Status"),
    ("提交时间", "Submitted"),
    ("地区代码", "Region"),
    ("终端", "Kiosk"),
    ("经办人", "Assigned to"),
    ("原因", "Reason"),
    ("证件号码", "ID number"),
    ("姓名", "Name"),
)
ANSWERS_HEADER = ("填报内容", "Answers")


def defuse(value: str) -> str:
    """A cell value no spreadsheet runs as a formula: an apostrophe before a risky start."""
    if value and value[0] in _FORMULA_STARTS:
        return "'" + value
    return value


def header(personal: bool) -> list[str]:
    """The first row: each column in zh-CN and English."""
    columns = [*HEADER, ANSWERS_HEADER] if personal else list(HEADER)
    return [f"{zh} {en}" for zh, en in columns]


class Exporter:
    """Writes the inbox's filtered list, a batch at a time."""

    def __init__(self, db: Database, intake: Intake, titles: ServiceTitles) -> None:
        self._db = db
        self._intake = intake
        self._titles = titles

    def rows(
        self, session: Session, scope: str | None, filters: Filters, personal: bool
    ) -> Iterator[list[str]]:
        """Each application in scope under the filters as a row of defused text cells."""
        query = Inbox.query(scope, filters).execution_options(yield_per=BATCH)
        titles: dict[str, str] = {}
        kiosks: dict[int, str] = {}
        for row in session.scalars(query):
            if row.service not in titles:
                titles[row.service] = self._titles.name(session, row.service).title.zh
            if row.kiosk_pk not in kiosks:
                kiosks[row.kiosk_pk] = (
                    session.scalar(select(Kiosk.kiosk_id).where(Kiosk.id == row.kiosk_pk)) or ""
                )
            reason = reason_words(row.reason_code, row.reason_text)
            cells = [
                row.number,
                titles[row.service],
                row.service,
                status_text(row.status).zh,
                row.created_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S"),
                row.region_code or "",
                kiosks[row.kiosk_pk],
                row.assigned_to or "",
                reason.zh if reason else "",
            ]
            if personal:
                citizen = self._intake.open_citizen(row)
                answers = self._intake.open_fields(row)
                for index, item in enumerate(self._intake.open_items(row)):
                    answers.update({f"{index + 1}.{k}": v for k, v in item.fields.items()})
                cells += [
                    citizen.id_number,
                    citizen.name,
                    "; ".join(f"{k}={v}" for k, v in sorted(answers.items())),
                ]
            else:
                cells += [row.id_masked, row.name_masked]
            yield [defuse(cell) for cell in cells]

    def csv_chunks(self, scope: str | None, filters: Filters, personal: bool) -> Iterator[bytes]:
        """The CSV file in chunks (UTF-8 with a BOM, so Excel in China opens it right)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(header(personal))
        with self._db.session() as session:
            for count, cells in enumerate(self.rows(session, scope, filters, personal), 1):
                writer.writerow(cells)
                if count % BATCH == 0:
                    yield buffer.getvalue().encode("utf-8")
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    def write_xlsx(self, path: Path, scope: str | None, filters: Filters, personal: bool) -> int:
        """Write the XLSX file to `path`, a row at a time; how many applications it holds."""
        workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = workbook.add_worksheet("办件 Applications")
        count = 0
        try:
            for col, title in enumerate(header(personal)):
                sheet.write_string(0, col, title)
            with self._db.session() as session:
                for count, cells in enumerate(self.rows(session, scope, filters, personal), 1):
                    for col, cell in enumerate(cells):
                        sheet.write_string(count, col, cell)
        finally:
            workbook.close()
        return count

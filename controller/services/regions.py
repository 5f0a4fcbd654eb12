"""The region tree and where kiosks stand: import, look-ups, `place_kiosk`.

The tree is not shipped with the controller: ops load it from a CSV file of `code,name`
rows (`estation-controller regions import FILE.csv`), the levels and parents derived from
the codes by controller/region_codes.py and checked before anything is written. A kiosk is
placed in the tree, with its site's name and address, by `place_kiosk` (the dashboard's
site form; enrollment may call it too).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from controller import region_codes
from controller.models import Kiosk, Region, Transaction
from controller.region_codes import BadRegionCode, Level
from controller.services.errors import ControllerError

# A small set written for the demo (`python -m controller --seed-demo`), not the national
# table: Beijing's 东城区 down to two communities, and the county the demo catalog names.
DEMO_REGIONS = Path(__file__).resolve().parents[1] / "seed" / "demo_regions.csv"
NAME_MAX = 100
SITE_MAX = 200
ADDRESS_MAX = 300
_DEPTH = {level: depth for depth, level in enumerate(Level)}


def kiosks_inside(code: str) -> ColumnElement[bool]:
    """The SQL condition "this kiosk stands inside region `code`" (a canonical code): a
    range on the indexed `kiosks.region_code`, so it scales to a whole fleet."""
    low, high = region_codes.prefix_bounds(code)
    return (Kiosk.region_code >= low) & (Kiosk.region_code < high)


class RegionRefused(ControllerError):
    """A region code or a site that cannot be taken; `zh` and `en` say why to a person."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en, zh)
        self.zh = zh
        self.en = en


class RegionFileError(ControllerError):
    """A line of a regions file that cannot be imported; the message names the line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class RegionRow:
    """One `code,name` line of a regions file, its code canonical."""

    line: int
    code: str
    name: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    added: int
    renamed: int
    unchanged: int


def read_region_file(lines: Iterable[str]) -> list[RegionRow]:
    """Parse `code,name` CSV lines (a header line `code,name` is skipped); RegionFileError."""
    rows: list[RegionRow] = []
    seen: dict[str, int] = {}
    for number, fields in enumerate(csv.reader(lines), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if number == 1 and [f.strip().lower() for f in fields[:2]] == ["code", "name"]:
            continue
        if len(fields) != 2:
            raise RegionFileError(number, f"expected 2 fields (code,name), found {len(fields)}")
        raw, name = fields[0], fields[1].strip()
        try:
            code = region_codes.canonical(raw)
        except BadRegionCode as err:
            raise RegionFileError(number, str(err)) from err
        if not name or len(name) > NAME_MAX or not name.isprintable():
            raise RegionFileError(number, f"the name of {code} must be 1 to {NAME_MAX} characters")
        if code in seen:
            raise RegionFileError(number, f"{code} is listed twice (first on line {seen[code]})")
        seen[code] = number
        rows.append(RegionRow(number, code, name))
    return rows


def import_regions(session: Session, rows: Sequence[RegionRow]) -> ImportResult:
    """Add the rows to the tree, renaming codes it has; all or nothing (RegionFileError).

    A row's parent must be in the file or already in the tree. Nothing is removed: a kiosk
    may still stand in a region a newer edition dropped. The caller commits.
    """
    known = {code: name for code, name in session.execute(select(Region.code, Region.name))}
    in_file = {row.code for row in rows}
    added = renamed = unchanged = 0
    # Parents first, so each insert finds its parent (the foreign key is checked at once).
    for row in sorted(rows, key=lambda r: (_DEPTH[region_codes.level_of(r.code)], r.code)):
        parent = _parent_in(row.code, in_file | set(known))
        if row.code in known:
            if known[row.code] == row.name:
                unchanged += 1
                continue
            region = session.get(Region, row.code)
            if region is not None:
                region.name = row.name
            renamed += 1
            continue
        if parent is None and region_codes.level_of(row.code) is not Level.PROVINCE:
            wanted = " or ".join(region_codes.parents(row.code))
            raise RegionFileError(row.line, f"{row.code} has no parent: add {wanted} first")
        session.add(
            Region(
                code=row.code,
                name=row.name,
                level=region_codes.level_of(row.code).value,
                parent_code=parent,
            )
        )
        session.flush()
        added += 1
    return ImportResult(added, renamed, unchanged)


def _parent_in(code: str, present: set[str]) -> str | None:
    for candidate in region_codes.parents(code):
        if candidate in present:
            return candidate
    return None


def import_file(session: Session, path: Path) -> ImportResult:
    """Import a regions file (UTF-8, a BOM allowed); RegionFileError naming the line."""
    with path.open(encoding="utf-8-sig", newline="") as lines:
        return import_regions(session, read_region_file(lines))


def seed_if_empty(session: Session, path: Path) -> ImportResult | None:
    """Import `path` when the tree is empty (the demo's first start); None when not."""
    if session.scalar(select(Region.code).limit(1)) is not None:
        return None
    result = import_file(session, path)
    session.commit()
    return result


# -- reading ---------------------------------------------------------------------------


def find(session: Session, code: str) -> Region | None:
    """The region with this code (any form: 331122000000 finds 331122), if the tree has it."""
    try:
        return session.get(Region, region_codes.canonical(code))
    except BadRegionCode:
        return None


def check_region(session: Session, raw: str | None) -> str | None:
    """The canonical code of a region the tree has, None for none; RegionRefused otherwise."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        code = region_codes.canonical(text)
    except BadRegionCode as err:
        raise RegionRefused(
            "地区代码应为 6、9 或 12 位数字", "A region code has 6, 9 or 12 digits"
        ) from err
    if session.get(Region, code) is None:
        raise RegionRefused(
            f"地区代码 {code} 不在地区表中（请先导入地区表）",
            f"Region {code} is not in the region tree (import it first)",
        )
    return code


def lineage(session: Session, code: str) -> list[Region]:
    """The region and its ancestors, the province first ([] when the tree lacks it)."""
    chain: list[Region] = []
    region = session.get(Region, code)
    while region is not None and len(chain) < len(Level):
        chain.append(region)
        region = session.get(Region, region.parent_code) if region.parent_code else None
    return list(reversed(chain))


def children(session: Session, code: str | None) -> list[Region]:
    """The regions directly below `code` (None: the provinces), by code."""
    parent = Region.parent_code.is_(None) if code is None else Region.parent_code == code
    return list(session.scalars(select(Region).where(parent).order_by(Region.code)))


def names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The names of these codes, for those the tree has."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found = session.execute(select(Region.code, Region.name).where(Region.code.in_(wanted)))
    return {code: name for code, name in found}


# -- placing kiosks --------------------------------------------------------------------


def place_kiosk(
    session: Session, kiosk: Kiosk, region_code: str | None, site_name: str, address: str
) -> list[str]:
    """Put a kiosk in a region of the tree, with its site's name and address.

    What changed, as `field=old->new` for the audit log (no personal data: places only);
    RegionRefused for an unknown region or text that is too long. The caller commits.
    """
    code = check_region(session, region_code)
    site = _text(site_name, SITE_MAX, "站点名称", "The site name")
    where = _text(address, ADDRESS_MAX, "地址", "The address")
    changes = []
    if kiosk.region_code != code:
        changes.append(f"region={kiosk.region_code or '-'}->{code or '-'}")
        if kiosk.region_code is None and code is not None:
            file_unplaced_applications(session, kiosk, code)
        kiosk.region_code = code
    if kiosk.site != site:
        changes.append("site")
        kiosk.site = site
    if kiosk.address != where:
        changes.append("address")
        kiosk.address = where
    return changes


def file_unplaced_applications(session: Session, kiosk: Kiosk, code: str) -> None:
    """Applications a kiosk sent before it was first placed are filed where it now stands
    (a later move leaves them where they were filed: the county inbox is theirs)."""
    session.execute(
        update(Transaction)
        .where(Transaction.kiosk_pk == kiosk.id, Transaction.region_code.is_(None))
        .values(region_code=code, county_code=region_codes.county_of(code))
        .execution_options(synchronize_session=False)
    )


def _text(value: str, limit: int, zh: str, en: str) -> str:
    text = " ".join(value.split())
    if len(text) > limit:
        raise RegionRefused(f"{zh}最多 {limit} 个字", f"{en} is at most {limit} characters")
    return text

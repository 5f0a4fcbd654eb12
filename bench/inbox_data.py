"""Made-up applications for the inbox bench: N rows over 20 counties, one of them large.

Run alone to fill a database: .venv/bin/python -m bench.inbox_data URL [--rows 1000000]
(the database must have been migrated: start the controller on it once, or let
bench/bench_inbox.py do it). Nothing here is anybody's data: masked values are fixed, the
sealed columns hold a few bytes that open nothing.

The county under test, 330101 (`BIG_COUNTY`), holds 30% of the rows across 10 townships;
the other 70% spread over 19 more counties, so the county's first page and its counts are
measured inside a table ten times its size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from controller.models import Kiosk, Transaction
from controller.services import regions

BIG_COUNTY = "330101"
COUNTIES = [BIG_COUNTY] + [f"3301{n:02d}" for n in range(2, 21)]
KIOSKS_PER_COUNTY = 10
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STATUSES = (
    ["received"] * 50
    + ["reviewing"] * 20
    + ["approved"] * 20
    + ["returned"] * 5
    + ["rejected"] * 4
    + ["booking_failed"]
)
SERVICES = ["employment_registration", "unemployment_registration", "flexible_insurance_enrolment"]


def kiosk_rows() -> list[dict[str, object]]:
    """Ten kiosks per county, each in one of its townships."""
    made = []
    for c, county in enumerate(COUNTIES):
        for k in range(KIOSKS_PER_COUNTY):
            n = c * KIOSKS_PER_COUNTY + k + 1
            made.append({
                "id": n, "kiosk_id": f"KB{n:04d}", "hardware_id": f"bench-{n}", "name": f"机{n}",
                "site": "", "token_hash": "0" * 64, "registered_at": START, "devices": {},
                "region_code": f"{county}{k + 1:03d}",
            })  # fmt: skip
    return made


def application_rows(count: int, seed: int = 7) -> Iterator[dict[str, object]]:
    """`count` applications, 30% in BIG_COUNTY, times spread over the year so far."""
    rng = random.Random(seed)
    kiosks = kiosk_rows()
    big = [k for k in kiosks if str(k["region_code"]).startswith(BIG_COUNTY)]
    for i in range(count):
        kiosk = rng.choice(big) if rng.random() < 0.3 else rng.choice(kiosks)
        region = str(kiosk["region_code"])
        created = START + dt.timedelta(seconds=rng.randrange(330 * 86400))
        yield {
            "key": f"{i:032x}", "number": f"{kiosk['kiosk_id']}-{i:010d}",
            "kiosk_pk": kiosk["id"], "service": rng.choice(SERVICES),
            "created_at": created, "received_at": created, "identity_method": "id_card",
            "id_masked": "110***********002X", "name_masked": "测**", "id_lookup": f"{i:064x}",
            "citizen_sealed": b"-", "fields_sealed": b"-", "field_names": ["phone"],
            "body_hash": "0" * 64, "status": rng.choice(STATUSES), "item_services": [],
            "selected": {}, "region_code": region, "county_code": region[:6], "version": 1,
            "reason_text": "",
        }  # fmt: skip


def fill(url: str, count: int, batch: int = 20_000) -> None:
    """Insert the kiosks and `count` applications into the migrated database at `url`."""
    engine = create_engine(url)
    tree = [regions.RegionRow(1, "330000", "省"), regions.RegionRow(1, "330100", "市")]
    for county in COUNTIES:
        tree.append(regions.RegionRow(1, county, f"县{county}"))
        tree += [regions.RegionRow(1, f"{county}{t:03d}", f"镇{t}") for t in range(1, 11)]
    with Session(engine) as session:
        regions.import_regions(session, tree)
        session.commit()
    with engine.begin() as conn:
        conn.execute(insert(Kiosk), kiosk_rows())
    rows = application_rows(count)
    while True:
        chunk = [row for _, row in zip(range(batch), rows, strict=False)]
        if not chunk:
            break
        with engine.begin() as conn:
            conn.execute(insert(Transaction), chunk)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def main() -> int:
    """Fill a database named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    fill(args.url, args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

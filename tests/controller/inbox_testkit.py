"""Test helpers for the county inbox: placed kiosks, applications, staff, form posts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.services import regions
from tests.controller.controller_testkit import (
    add_regions,
    csrf_token,
    make_user,
    post_json,
    register,
    sign_in,
    teach_catalog,
    transaction,
)

# 湖滨街道 (a township of 上城区) and 西湖区, from controller_testkit.TEST_REGIONS.
MY_TOWNSHIP = "330102001"
MY_COUNTY = "330102"
OTHER_COUNTY = "330106"
_VERSION = re.compile(r'name="version" value="(\d+)"')


@dataclass
class Counties:
    """A kiosk in 上城区 (湖滨街道) and one in 西湖区: (kiosk id, device token) each."""

    mine: tuple[str, str]
    theirs: tuple[str, str]


def place(client: TestClient, kiosk_id: str, code: str) -> None:
    """Put a kiosk in a region, as the site form does."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        kiosk = runtime.fleet.find(session, kiosk_id)
        regions.place_kiosk(session, kiosk, code, "便民服务中心", "")
        session.commit()


def two_counties(client: TestClient) -> Counties:
    """The region tree, and a kiosk placed in each of two counties, catalogs taught."""
    add_regions(client)
    mine = register(client, hardware_id="hw-mine", name="上城一号")
    theirs = register(client, hardware_id="hw-theirs", name="西湖一号")
    place(client, mine[0], MY_TOWNSHIP)
    place(client, theirs[0], OTHER_COUNTY)
    for _, token in (mine, theirs):
        teach_catalog(client, token)
    return Counties(mine, theirs)


def submit(client: TestClient, kiosk: tuple[str, str], serial: int, **overrides: Any) -> str:
    """Send application number `serial` of a kiosk; its number."""
    kiosk_id, token = kiosk
    number = f"{kiosk_id}-261126{serial:04d}"
    key = hashlib.md5(number.encode(), usedforsecurity=False).hexdigest()
    body = transaction(key=key, number=number, **overrides)
    answer = post_json(client, "/transactions", body, token)
    assert answer.status_code == 201, answer.text
    return number


def staff(client: TestClient, name: str, region: str = MY_COUNTY, role: Role = Role.COUNTY_STAFF
          ) -> TestClient:  # fmt: skip
    """A second browser on the same app, signed in as a new account of `role` in `region`."""
    browser = TestClient(client.app, client=("127.0.0.1", 50001))
    make_user(client, name, role, region_code=region if role is Role.COUNTY_STAFF else None)
    assert sign_in(browser, name).status_code == 303
    return browser


def version_on(page: str) -> int:
    """The version the review form of an application page carries."""
    found = _VERSION.search(page)
    assert found, "no review form on the page"
    return int(found.group(1))


def act(browser: TestClient, number: str, action: str, **data: str) -> Any:
    """POST a form of an application's page (`status`, `assign`, `notes`, `reveal`)."""
    token = csrf_token(browser, f"/inbox/{number}")
    return browser.post(f"/inbox/{number}/{action}", data={"csrf_token": token, **data})


def move(browser: TestClient, number: str, status: str, **data: str) -> Any:
    """Change an application's status with the version its page shows now."""
    version = version_on(browser.get(f"/inbox/{number}").text)
    return act(browser, number, "status", status=status, version=str(version), **data)

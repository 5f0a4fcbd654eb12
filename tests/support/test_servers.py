"""The controllers tests start: a shared one hands each kiosk a pairing code of its own."""

from __future__ import annotations

from pathlib import Path

from tests.controller.process_testkit import HttpKiosk
from tests.support.servers import SharedController


class CountingController(SharedController):
    """Counts the controller CLI calls it makes."""

    calls = 0

    def _command(self, *args: str) -> str:
        self.calls += 1
        return super()._command(*args)


def test_a_shared_controller_issues_codes_in_batches_and_each_enrolls_its_own_kiosk(
    tmp_path: Path,
) -> None:
    controller = CountingController(tmp_path / "controller", seed_demo=False)
    try:
        url = controller.wait_ready()
        count = SharedController.batch + 1  # one more than a batch: a second CLI call
        kiosks = [
            HttpKiosk.enroll(controller, url, f"hw-shared-{n}", f"共享{n}号机")
            for n in range(count)
        ]
    finally:
        controller.stop()
    assert controller.calls == 2
    assert len({kiosk.kiosk_id for kiosk in kiosks}) == count

"""The kiosk's enrollment with its controller: got once, kept, renewed, rotated, stopped.

The kiosk enrolls once, with the pairing code of its kiosk.toml or with none (then it is
pending; docs/enrollment.md). A token the controller does not know makes it enroll again,
presenting that token as proof; a revoked one (or a refused enrollment) stops all sending
until a technician acts: the kiosk never takes an identity back by itself. A rotated token
is saved before it is used. The sync loop (kiosk/sync.py) asks it before every send.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.controller_client import (
    ControllerClient,
    ControllerRejected,
    CredentialRevoked,
    EnrollmentRefused,
    NotAuthorised,
)
from kiosk.enrollment import Enrollment, EnrollmentStore

if TYPE_CHECKING:
    # made when first needed: the pydantic models load after the menu's first frame
    from wire import RegisterRequest

log = logging.getLogger(__name__)


class Enroller:
    """Gets and keeps this kiosk's enrollment, and knows when the kiosk must stop."""

    def __init__(
        self,
        store: EnrollmentStore,
        client: ControllerClient,
        request: RegisterRequest | Callable[[], RegisterRequest],
        controller_url: str,
    ) -> None:
        """`request`: the registration to send, or a function making it when first needed
        (an enrolled kiosk's start then makes no wire model before its menu)."""
        self._store = store
        self._client = client
        self._request = request
        self._url = controller_url
        self.current = store.load()
        # Set when the controller revoked our credential or refused to enroll us: nothing
        # is sent until a technician acts (and restarts the kiosk). Its `code` says why.
        self.blocked: ControllerRejected | None = None

    def ensure(self) -> Enrollment:
        """The saved enrollment, enrolling first if there is none (or the controller moved)."""
        current = self.current
        if current is None or current.controller_url != self._url:
            current = self.renew()
        return current

    def renew(self) -> Enrollment:
        """Enroll (again) and save what the controller answers.

        The token held so far goes along as proof; the configured pairing code only if it
        was not sent before (it works once). A refusal blocks the kiosk (`blocked`).
        """
        if self.blocked is not None:
            raise self.blocked
        held = self.current
        configured = self._request() if callable(self._request) else self._request
        request = configured
        if held is not None and request.pairing_code == held.pairing_code:
            request = request.model_copy(update={"pairing_code": None})
        try:
            answer = self._client.register(request, held.device_token if held else None)
        except (EnrollmentRefused, CredentialRevoked) as err:
            self.stop(err)
            raise
        self.current = Enrollment(
            answer.kiosk_id,
            answer.device_token,
            self._url,
            answer.heartbeat_seconds,
            answer.state.value,
            configured.pairing_code or (held.pairing_code if held else ""),
        )
        self._store.save(self.current)
        log.info("enrolled kiosk_id=%s state=%s", answer.kiosk_id, answer.state.value)
        if self.current.pending:
            log.warning("kiosk_id=%s is awaiting approval on the controller", answer.kiosk_id)
        return self.current

    def stop(self, err: ControllerRejected) -> None:
        """Stop all sending: the controller revoked us or will not enroll us."""
        if self.blocked is None:
            log.error("kiosk stopped code=%s reason=%s", err.code, err)
        self.blocked = err

    def lost(self, err: NotAuthorised) -> str:
        """Our token was refused: enroll again if it is unknown; stop if it was revoked."""
        if isinstance(err, CredentialRevoked):
            self.stop(err)
            raise err
        return self.renew().device_token

    def refresh_state(self) -> Enrollment:
        """Ask the controller whether a pending kiosk has been approved; saved if it changed."""
        current = self.ensure()
        try:
            status = self._client.enrollment_status(current.device_token)
        except CredentialRevoked as err:
            self.stop(err)  # rejected
            raise
        if status.state.value != current.state:
            current = dataclasses.replace(current, state=status.state.value)
            self._store.save(current)
            self.current = current
            log.info("kiosk_id=%s state=%s", current.kiosk_id, current.state)
        return current

    def rotate(self) -> None:
        """Replace the device token: the new one is on disk before it is ever used."""
        current = self.ensure()
        answer = self._client.rotate(current.device_token)
        rotated = dataclasses.replace(current, device_token=answer.device_token)
        self._store.save(rotated)
        self.current = rotated
        log.info("credential rotated kiosk_id=%s", current.kiosk_id)

"""HTTP calls to the controller, typed by wire/ and sorted into errors that say what to do next."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx

    from pii import DocumentType

    # Imported where a message is made or read: the pydantic models load with the first
    # call, after the menu's first frame (docs/touchscreen.md, cold start).
    from wire import (
        Application,
        CatalogAck,
        CatalogIn,
        CommandResult,
        CommandResultAck,
        EnrollmentStatus,
        Heartbeat,
        HeartbeatAck,
        MaintenanceEventAck,
        MaintenanceEventIn,
        Message,
        RatingAck,
        RatingIn,
        RegisterRequest,
        RegisterResponse,
        RotateResponse,
        SelfTestAck,
        SelfTestReport,
        StaffCallAck,
        StaffCallIn,
        TargetReport,
        TargetReportAck,
        TargetState,
        Text,
        TransactionAck,
        TransactionIn,
        UpdateReport,
        UpdateReportAck,
    )
from wire import API_PREFIX, ErrorCode, WireError
from wire.matching import PUSH_STATUS

log = logging.getLogger(__name__)
_M = TypeVar("_M", bound="Message")


class ControllerError(Exception):
    """Root of what can go wrong talking to the controller.

    `code` names, for the citizen, what went wrong (kiosk/messages.yaml): by default that the
    service centre cannot be reached now.
    """

    code: str = "kiosk.offline"


class ControllerUnreachable(ControllerError):
    """No answer, or a server-side error: retry later, nothing is lost.

    `status` is the HTTP status when there was an answer (0: none); `retry_after` the
    seconds the answer asked us to wait (0: not said).
    """

    def __init__(self, message: str, *, status: int = 0, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ControllerBusy(ControllerUnreachable):
    """A 4xx that means "not now", not "never": 408, 413, 425, 429, or any 4xx that did not
    come from the controller itself (a proxy's 403 or 404 page). Retried with back-off."""

    @property
    def about_this_row(self) -> bool:
        """True when the answer concerns this message, not the controller: 413 (too large
        for a proxy) and 425 (sent ahead of the controller's clock). Others may go on."""
        return self.status in (413, 425)


class ControllerRejected(ControllerError):
    """The controller refused the message for good (4xx): retrying the same bytes won't help.

    `user_message` is the controller's zh-CN sentence for the citizen, when it sent one.
    """

    def __init__(self, status: int, message: str, user_message: str | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.user_message = user_message


class BookingUnavailable(ControllerRejected):
    """The place asked for is full or closed (409): show `user_message`, list again."""

    code = "kiosk.booking_taken"


class NotAuthorised(ControllerRejected):
    """Our device token is unknown to the controller: the kiosk must enroll again."""


class CredentialRevoked(NotAuthorised):
    """Ops revoked this kiosk's credential or decommissioned it (401): stop sending, and
    wait for a technician with a new pairing code; never enroll again by itself."""

    code = "kiosk.credential_revoked"


class AwaitingApproval(ControllerRejected):
    """The kiosk is enrolled but not approved yet (403): keep everything, ask again later."""

    code = "kiosk.awaiting_approval"


class EnrollmentRefused(ControllerRejected):
    """The controller refused to enroll us: the pairing code was not accepted (403), or the
    hardware id belongs to an enrolled kiosk and we could not prove we are it (409)."""

    code = "kiosk.enrollment_refused"


# wire.ErrorCode values the kiosk acts on, and the error each becomes.
_BY_CODE: dict[str, type[ControllerRejected]] = {
    ErrorCode.CREDENTIAL_REVOKED: CredentialRevoked,
    ErrorCode.CREDENTIAL_DECOMMISSIONED: CredentialRevoked,
    ErrorCode.CREDENTIAL_UNKNOWN: NotAuthorised,
    ErrorCode.PENDING_APPROVAL: AwaitingApproval,
    ErrorCode.PAIRING_CODE_REFUSED: EnrollmentRefused,
    ErrorCode.IDENTITY_CONFLICT: EnrollmentRefused,
}


class ControllerClient:
    """One connection pool to the controller's API."""

    def __init__(
        self, base_url: str, *, timeout: float = 10.0, connect_timeout: float | None = None
    ) -> None:
        self._base_url = base_url.rstrip("/") + API_PREFIX
        self._timeout = timeout
        self._connect_timeout = connect_timeout or min(timeout, 5.0)
        # Made on the first call, on the thread that calls (the sync loop's): importing httpx
        # and loading the TLS trust store cost the kiosk's cold start a tenth of a second or
        # more before its menu could show, for a controller it talks to only afterwards.
        self._pool: httpx.Client | None = None
        self._pool_lock = threading.Lock()
        self._closed = False

    @property
    def _http(self) -> httpx.Client:
        with self._pool_lock:
            if self._pool is None:
                import httpx

                # A controller that accepts the connection and never answers costs
                # `timeout`, once: the sync loop's circuit breaker stops the next calls.
                limits = httpx.Timeout(self._timeout, connect=self._connect_timeout)
                self._pool = httpx.Client(base_url=self._base_url, timeout=limits)
                if self._closed:  # a call after close() fails as with a pool made at once
                    self._pool.close()
            return self._pool

    def close(self) -> None:
        """Close the connection pool."""
        with self._pool_lock:
            self._closed = True
            if self._pool is not None:
                self._pool.close()

    def register(self, request: RegisterRequest, proof: str | None = None) -> RegisterResponse:
        """Enroll this kiosk; the answer carries its id, device token and state.

        `proof`: the device token held so far, when known hardware enrolls again.
        """
        from wire import RegisterResponse

        return self._post("/kiosks/register", request, RegisterResponse, token=proof)

    def enrollment_status(self, token: str) -> EnrollmentStatus:
        """This kiosk's state (a pending kiosk asks until it is approved)."""
        from wire import EnrollmentStatus

        return self._call("GET", "/kiosks/me", None, EnrollmentStatus, token=token)

    def rotate(self, token: str) -> RotateResponse:
        """A new device token; the one given keeps working until the new one is used."""
        from wire import RotateResponse

        return self._call("POST", "/kiosks/rotate", None, RotateResponse, token=token)

    def heartbeat(self, beat: Heartbeat, token: str) -> HeartbeatAck:
        """Report that the kiosk is alive and how its devices are."""
        from wire import HeartbeatAck

        return self._post("/heartbeat", beat, HeartbeatAck, token=token)

    def send_command_result(
        self, command_id: str, result: CommandResult, token: str
    ) -> CommandResultAck:
        """Tell the controller what came of a command (the same result again is harmless)."""
        from wire import CommandResultAck

        return self._post(f"/commands/{command_id}/result", result, CommandResultAck, token=token)

    def target(self, token: str) -> TargetState:
        """The catalog and settings the controller wants this kiosk to run (kiosk/target.py)."""
        from wire import TargetState

        return self._call("GET", "/target", None, TargetState, token=token)

    def send_target_report(self, report: TargetReport, token: str) -> TargetReportAck:
        """Tell the controller a target was applied, or rejected and why."""
        from wire import TargetReportAck

        return self._post("/target/report", report, TargetReportAck, token=token)

    def send_catalog(self, catalog: CatalogIn, token: str) -> CatalogAck:
        """Tell the controller what this kiosk's catalog calls its services."""
        from wire import CatalogAck

        return self._post("/catalog", catalog, CatalogAck, token=token)

    def send_selftest(self, report: SelfTestReport, token: str) -> SelfTestAck:
        """Hand the controller a technician's self-test report for the kiosk page."""
        from wire import SelfTestAck

        return self._post("/kiosks/selftest", report, SelfTestAck, token=token)

    def release_bundle(self, version: str, token: str, *, limit: int) -> bytes:
        """The bytes of an offered release's bundle (at most `limit`), not yet verified."""
        import httpx

        path = f"/releases/{version}/bundle"
        try:
            with self._http.stream(
                "GET", path, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise ControllerRejected(response.status_code, _error_text(response))
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:  # a bundle larger than offered is not read whole
                        break
                return bytes(data)
        except httpx.HTTPError as err:
            raise ControllerUnreachable(f"{path}: {type(err).__name__}: {err}") from err

    def report_update(self, report: UpdateReport, token: str) -> UpdateReportAck:
        """Tell the controller what became of a release on this kiosk."""
        from wire import UpdateReportAck

        return self._post("/updates/report", report, UpdateReportAck, token=token)

    def send_transaction(self, txn: TransactionIn, token: str) -> TransactionAck:
        """Deliver one transaction; a repeat of the same key is acknowledged as a duplicate."""
        from wire import TransactionAck

        return self._post("/transactions", txn, TransactionAck, token=token)

    def content(
        self, source: str, filters: Mapping[str, str] | None, token: str
    ) -> list[dict[str, Any]]:
        """The items of a content source as plain mappings in the flows item shape.

        `filters` are those the source's fetch action reads (flows/actions.py); absent,
        empty or `any` means no filter. WireError (before any call) for a filter the
        source does not read.
        """
        from wire import ContentPage, ContentQuery, validate

        query = validate(ContentQuery, {**(filters or {}), "source": source})
        page = self._post(f"/content/{query.source.value}", query, ContentPage, token=token)
        return [item.as_mapping() for item in page.items]

    def send_rating(self, rating: RatingIn, token: str) -> RatingAck:
        """Deliver a rating; 404 (ControllerRejected) while its transaction has not arrived."""
        from wire import RatingAck

        return self._post("/ratings", rating, RatingAck, token=token)

    def call_staff(self, call: StaffCallIn, token: str) -> StaffCallAck:
        """Tell ops a citizen asked for staff (the controller raises a staff_called alert)."""
        from wire import StaffCallAck

        return self._post("/staff-calls", call, StaffCallAck, token=token)

    def send_maintenance_event(self, event: MaintenanceEventIn, token: str) -> MaintenanceEventAck:
        """Tell ops what happened at the maintenance screen (a lockout becomes an alert)."""
        from wire import MaintenanceEventAck

        return self._post("/maintenance-events", event, MaintenanceEventAck, token=token)

    def my_applications(
        self,
        document: DocumentType | str,
        id_number: str,
        token: str,
        *,
        identity_method: str,
    ) -> list[dict[str, Any]]:
        """The citizen's own transactions, newest first, as items in the flows item shape.

        `identity_method` is how the number was read; the controller refuses a typed one
        (403, with a user_message). The number goes only into this request's body.
        """
        from wire import MyApplicationsRequest, MyApplicationsResponse, validate

        request = validate(
            MyApplicationsRequest,
            {"document": document, "id_number": id_number, "identity_method": identity_method},
        )
        answer = self._post("/my-applications", request, MyApplicationsResponse, token=token)
        return [application_item(app) for app in answer.applications]

    def hold_booking(self, source: str, item_id: str, token: str, *, key: str | None = None) -> str:
        """Hold a place of a training, job fair or slot before submitting; return the hold id.

        Call it synchronously when the citizen chooses, then send the hold id in the
        transaction's `holds` (wire/v1.py, booking). Pass the same `key` to retry one hold
        without taking a second place. BookingUnavailable when it is full or closed.
        """
        import uuid  # here, not at import: uuid loads platform, which no menu needs

        from wire import HoldRequest, HoldResponse, validate

        request = validate(
            HoldRequest, {"key": key or uuid.uuid4().hex, "source": source, "item_id": item_id}
        )
        try:
            held = self._post("/bookings/hold", request, HoldResponse, token=token)
        except ControllerRejected as err:
            if err.status == 409 and err.user_message:  # not a key conflict: full or closed
                raise BookingUnavailable(409, err.message, err.user_message) from err
            raise
        return held.hold_id

    def _post(self, path: str, body: Message, answer: type[_M], *, token: str | None) -> _M:
        return self._call("POST", path, body, answer, token=token)

    def _call(
        self, method: str, path: str, body: Message | None, answer: type[_M], *, token: str | None
    ) -> _M:
        from wire import parse

        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        content = body.model_dump_json() if body is not None else None
        import httpx  # imported once by the first call's pool (`_http`)

        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as err:
            raise ControllerUnreachable(f"{path}: {type(err).__name__}: {err}") from err
        status = response.status_code
        if status >= 500:
            raise ControllerUnreachable(
                f"{path}: controller answered {status}",
                status=status,
                retry_after=_retry_after(response),
            )
        if status >= 400:
            message, user_message = _error_text(response), _user_message(response)
            known = _BY_CODE.get(_error_code(response))
            if known is not None:
                raise known(status, message, user_message)
            if status == 401:
                raise NotAuthorised(401, message)
            if status in _NOT_NOW or not _from_controller(response):
                raise ControllerBusy(
                    f"{path}: answered {status}: {message[:120]}",
                    status=status,
                    retry_after=_retry_after(response),
                )
            raise ControllerRejected(status, message, user_message)
        try:
            return parse(answer, response.content)
        except WireError as err:
            raise ControllerUnreachable(f"{path}: unexpected answer: {err}") from err


# 4xx answers that mean "later": Request Timeout, Content Too Large (a proxy's limit, which
# ops can raise), Too Early (the kiosk's clock ahead of the controller's), Too Many Requests.
_NOT_NOW = frozenset({408, 413, 425, 429})


def _from_controller(response: httpx.Response) -> bool:
    """True for the controller's own error body (`{"error": ...}`, api.error_response):
    a proxy's or load balancer's 4xx page is not a refusal of the message."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    if not isinstance(data, dict):
        return False
    # FastAPI's own refusal of a body it could not validate is the controller's too.
    return "error" in data or (response.status_code == 422 and "detail" in data)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "0")))
    except ValueError:  # an HTTP date: rare from our controller, treated as "not said"
        return 0.0


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except json.JSONDecodeError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("error") or data.get("detail") or data)[:500]
    return str(data)[:500]


def _error_code(response: httpx.Response) -> str:
    try:
        data = response.json()
    except json.JSONDecodeError:
        return ""
    return str(data.get("code") or "") if isinstance(data, dict) else ""


def _user_message(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except json.JSONDecodeError:
        return None
    message = data.get("user_message") if isinstance(data, dict) else None
    return str(message)[:200] if message else None


# Dates for people in China: one time zone, no daylight saving.
_CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
# The rows' labels (zh-CN, en), made into wire.Bilingual with the first list of applications.
_NUMBER = ("办件编号", "Number")
_SUBMITTED = ("提交时间", "Submitted")
_STATUS_CHANGED = ("状态更新", "Status changed")
_JOB = ("岗位编号", "Job")
_PUBLISHED = ("发布日期", "Published")


def _local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(_CHINA_TIME):%Y-%m-%d %H:%M}"


def _day(moment: dt.datetime) -> str:
    return f"{moment.astimezone(_CHINA_TIME):%Y-%m-%d}"


def application_item(app: Application) -> dict[str, Any]:
    """One of the citizen's transactions as an item of the `applications` list.

    A job the controller found for the citizen's 求职登记 (status wire.matching.PUSH_STATUS)
    comes in the same shape; it is labelled as a job, not as something they submitted.
    """
    from wire import Bilingual, ContentItem

    if app.status == PUSH_STATUS:
        code = app.number.removeprefix("job:")
        rows: list[tuple[Text, Text]] = [
            (Bilingual.of(*_JOB), code),
            (Bilingual.of(*_PUBLISHED), _day(app.created_at)),
        ]
    else:
        rows = [
            (Bilingual.of(*_NUMBER), app.number),
            (Bilingual.of(*_SUBMITTED), _local(app.created_at)),
        ]
    if app.status_at is not None:
        rows.append((Bilingual.of(*_STATUS_CHANGED), _local(app.status_at)))
    item = ContentItem(
        id=app.number,
        title=app.title,
        summary=_local(app.created_at),
        status=app.status_text,
        rows=rows,
    )
    return item.as_mapping()

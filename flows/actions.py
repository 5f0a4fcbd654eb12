"""The vocabulary a flow may name. The kiosk binds each action and guard to real behaviour.

Flows never hold code (STYLE rule 9): a step names an action, a transition names a guard,
and the loader refuses any name not listed here.

An action is `Callable[[Session], str | None]`: it returns the event to fire (None means
`ok`), or raises `ActionFailed(message)` for a failure the flow routes as `error` (the
message, zh-CN and en, is shown on the next screen). Anything else it raises ends the run as
failed, wiped. Each contract below says what the action reads, what it must write where,
and which outcomes mean what.

Identity (`kind: identity` names these itself)
    read_id_card, read_social_card, scan_e_social_card
        Write `session.identity` (method, ID number and name as Sensitive, document).
        `ok` without an identity is turned into `error` by the engine.

Transactions
    submit
        Reads the identity and `flows.submission.build_submission(flow, session)`: the
        answers in clear, the items of a bundle (one entry per service, each with its own
        answers and fixed values), the item chosen in each list (`selected`) and the hold
        taken on each bookable one (`holds`). Sends it as ONE transaction: one key, one
        number, one receipt, however many items. Writes
        `session.record.transaction_key`, `.transaction_number` (shown, printed, handed to
        the rating), `.submitted_at`, `.receipt_key` (random; opens the status page) and
        `.receipt_url` (which carries it). A retry must reuse the key, number and receipt
        key already in the record. ActionFailed when it cannot be stored.
    print_receipt
        Prints the receipt of `session.record.transaction_number` once, however often the
        step is retried (`record.receipt_printed`; `flows.submission.receipt_rows` gives its
        non-personal lines); a file printer notes `record.receipt_file` and `.receipt_preview`.
        Needs the receipt printer: flows give a `fallback` that shows the QR e-receipt.
    submit_rating
        Reads `session.record.transaction_number` and `.service` (handed over by the
        flow rated, see FlowRun.follow_on) and the values `stars` ("1"-"5"), `reasons`
        (comma-separated codes, only on 1-2 stars) and `comment`. Sends a rating linked to
        that transaction; never an identity. ActionFailed when it cannot be stored, or when
        there is no transaction number to link it to.

Content from outside the flow (jobs, policies, ...). Each writes a list of plain mappings to
`session.content[<source>]` (the source each fills is in CONTENT_SOURCES); the engine then
checks and converts them (flows/content.py: `id`, `title`, optional `summary`, `status`,
`rows`, `qr`, `available`, `criteria`; texts either a string or {zh-CN, en}; at most
MAX_ITEMS; a malformed item is dropped, content that is not a list is an error). No item
holds personal data: an ID number in any text is redacted. Return `ok`; an empty list takes
the step's `empty` route if it has one. ActionFailed when the controller cannot be reached
or answers nonsense. Matching against the citizen's profile is NOT the controller's job:
items carry their `criteria` and the engine ranks them on the kiosk (flows/matching.py), so
the profile (age and sex from the ID number, answers) never leaves the kiosk for a search.
    fetch_jobs
        Reads the filters `area`, `industry`, `salary_range`, `work_type` from
        `session.values` (each may be absent or `any`). Fills `jobs`: open vacancies of the
        county's job bank matching the filters, newest first; `qr` the vacancy's public page.
    fetch_policies
        Reads nothing. Fills `policies`: the employment policies in force in the county,
        each with the `criteria` of who may qualify; `qr` the policy's official text.
    fetch_trainings
        Reads `training_category` if the flow asked it. Fills `trainings`: classes open for
        enrolment; `available: false` when full; `id` is what `submit` sends back.
    fetch_job_fairs
        Reads nothing. Fills `job_fairs`: coming fairs; `available: false` when sign-up is
        closed or full; `id` is what `submit` sends back.
    fetch_slots
        Reads `appointment_service` and `appointment_date`. Fills `slots`: that day's time
        slots of the service's windows, one item each; `available: false` when booked up;
        `id` is the slot code `submit` sends back to book it.
    fetch_my_applications
        Reads `session.identity` (the ID number goes to the controller over the kiosk's
        authenticated channel, nowhere else). Fills `applications`: the citizen's
        transactions, newest first; `status` is the controller's status text (已受理,
        审核中, 已办结, 退回补正 ...), `rows` its dates and office. Never cached on disk.
    hold_place
        Reads the item chosen last (`session.current_item()`) and its source (the last key
        of `session.selected`: trainings, job_fairs or slots). Holds one place of it on the
        controller, at once (the outbox would answer too late to say "full"); a retry for
        the same item reuses its request key, a new item gets a new one. Writes
        `session.record.holds[<source>]` = the hold id, which `submit` sends. The engine
        drops it when another item is chosen or the list is fetched again. Raise
        `ActionFailed(message, event="taken")` when the place is gone (full, closed,
        withdrawn): flows go back to a fresh list. Plain ActionFailed when the controller
        cannot be reached: flows offer to go on without a hold (the controller takes a
        place when the transaction arrives, if one is left, else marks it booking_failed).
    print_slip
        Reads the item chosen last (`session.current_item()`) and, if there is one,
        `session.record.transaction_number`. Prints a slip: the item's title and rows and
        a QR code (the transaction's page when there is a transaction number, as for an
        appointment, else `item.qr`, as for a job). Needs the receipt printer: flows give a
        `fallback` showing the QR on screen (`show: [item_qr]`).
"""

from __future__ import annotations

import enum

from wire.vocabulary import DeviceKind


class ActionName(enum.StrEnum):
    """An action a flow step may name; the kiosk binds each to real behaviour."""

    READ_ID_CARD = "read_id_card"  # 2nd-generation resident ID card on the card reader
    READ_SOCIAL_CARD = "read_social_card"  # social security card (PC/SC) in the card slot
    SCAN_E_SOCIAL_CARD = "scan_e_social_card"  # QR code of the electronic social security card
    SUBMIT = "submit"  # the transaction into the outbox
    PRINT_RECEIPT = "print_receipt"  # the receipt on the thermal printer
    SUBMIT_RATING = "submit_rating"  # the 好差评 rating of a transaction
    PRINT_SLIP = "print_slip"  # a slip for the chosen item (a job, an appointment) with its QR
    HOLD_PLACE = "hold_place"  # one place of the chosen class, fair or slot, held at once
    FETCH_JOBS = "fetch_jobs"
    FETCH_POLICIES = "fetch_policies"
    FETCH_TRAININGS = "fetch_trainings"
    FETCH_JOB_FAIRS = "fetch_job_fairs"
    FETCH_SLOTS = "fetch_slots"
    FETCH_MY_APPLICATIONS = "fetch_my_applications"


# Actions: `Callable[[Session], str | None]`, bound by the kiosk (kiosk/actions/).
ACTIONS: frozenset[str] = frozenset(ActionName)

# The content each fetching action fills (`session.content[source]`); list and detail steps
# name a source, and the loader checks it is one of these.
CONTENT_SOURCES: dict[str, str] = {
    ActionName.FETCH_JOBS: "jobs",
    ActionName.FETCH_POLICIES: "policies",
    ActionName.FETCH_TRAININGS: "trainings",
    ActionName.FETCH_JOB_FAIRS: "job_fairs",
    ActionName.FETCH_SLOTS: "slots",
    ActionName.FETCH_MY_APPLICATIONS: "applications",
}

# Lists a text field may be picked from (`choices_from:`): the kiosk fetches them from the
# controller's content and keeps them for offline use; free entry stays possible, so a list
# the kiosk cannot get only costs the citizen some typing.
PICK_LISTS: frozenset[str] = frozenset({"employers"})

# Where a date field's picker opens (`picker_starts:`); without it, today.
PICKER_STARTS: frozenset[str] = frozenset({"today", "first_of_month"})

# Guards: `Callable[[Session], bool]`, bound by the kiosk like actions. Must be quick and
# free of side effects: the engine asks them when an event fires.
GUARDS: frozenset[str] = frozenset(
    {
        "controller_online",  # the kiosk reached the controller recently (live status, slots)
    }
)

# Guards the engine answers itself from the session; the kiosk binds nothing for them.
ENGINE_GUARDS: frozenset[str] = frozenset(
    {
        "identity_typed",  # the citizen typed their ID number instead of presenting a card
    }
)

# Devices a step can need. A kiosk says which it has (`devices_available`) when a run
# starts; a step whose device is missing is replaced by its `fallback` step.
DEVICES: frozenset[str] = frozenset(DeviceKind)

# The device each action needs; a step naming the action needs it without saying so.
ACTION_DEVICES: dict[str, str] = {
    ActionName.READ_ID_CARD: DeviceKind.ID_CARD_READER,
    ActionName.READ_SOCIAL_CARD: DeviceKind.SOCIAL_CARD_READER,
    ActionName.SCAN_E_SOCIAL_CARD: DeviceKind.CAMERA,
    ActionName.PRINT_RECEIPT: DeviceKind.RECEIPT_PRINTER,
    ActionName.PRINT_SLIP: DeviceKind.RECEIPT_PRINTER,
}

# Identity methods a flow may offer (`kind: identity`), in the order of preference, and
# the action that reads each; `typed` is a form, the last resort.
IDENTITY_METHODS: dict[str, str | None] = {
    "id_card": ActionName.READ_ID_CARD,
    "social_card": ActionName.READ_SOCIAL_CARD,
    "e_social_card": ActionName.SCAN_E_SOCIAL_CARD,
    "typed": None,
}

# Actions during which the kiosk waits for the citizen (to lay a card, show a code); during
# every other action the kiosk itself is working (submitting, printing, fetching), and a
# "hurry up" countdown would blame the citizen for the machine's time.
WAITS_FOR_CITIZEN: frozenset[str] = frozenset(a for a in IDENTITY_METHODS.values() if a)


def citizen_is_waited_for(step_kind: str, action: str | None) -> bool:
    """False while the kiosk itself is at work on this step (no idle countdown then)."""
    return step_kind != "action" or action in WAITS_FOR_CITIZEN


# What an end, notice or detail screen shows besides its texts (`show:`).
SHOW_ITEMS: frozenset[str] = frozenset(
    {
        "receipt_qr",  # an on-screen QR code of the e-receipt (the transaction's public page)
        "item_qr",  # detail steps: the chosen item's QR code (`item.qr`) on screen
    }
)

# Events any step may route. Events that a person triggers are shown as buttons; these are
# not. `empty`: a fetching action found nothing (routed by its step, else `ok`); `taken`:
# hold_place found the chosen place gone.
# "expired_document": an identity card read fine but is past its validity (flows/identity.py).
SYSTEM_EVENTS: frozenset[str] = frozenset(
    {"ok", "error", "timeout", "empty", "taken", "expired_document"}
)

# The content sources whose items have a limited number of places (held by hold_place).
BOOKABLE_SOURCES: frozenset[str] = frozenset({"trainings", "job_fairs", "slots"})

# Events fired by touching an item of a list (FlowRun.select), never by a button.
ITEM_EVENTS: frozenset[str] = frozenset({"select"})

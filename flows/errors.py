"""The one exception root of flows/, and its branches saying who was wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.model import Texts


class FlowError(Exception):
    """Root of every error raised by flows/."""


class FlowDefinitionError(FlowError, ValueError):
    """A flow or catalog file is malformed; the message names the file and the path of the problem.

    The authors of these files are county staff, so `path` is written the way they read the
    file (`steps.details.fields[2].label`, or `line 12` for a YAML syntax problem).
    """

    def __init__(self, source: str, path: str, problem: str) -> None:
        super().__init__(f"{source}: {path or '<top>'}: {problem}")
        self.source, self.path, self.problem = source, path, problem


class FlowStateError(FlowError, RuntimeError):
    """The caller asked a run for something its current step does not do (a bug in the caller)."""


class UnknownEvent(FlowError, ValueError):
    """The current step has no transition for this event, or does not offer it now."""


class SnapshotRefused(FlowError, ValueError):
    """A run cannot be saved here, or a saved run cannot be resumed; the run starts over."""


class ActionFailed(FlowError):
    """Raised by a bound action: the flow takes its `error` route and shows `message`."""

    def __init__(self, message: Texts | str, *, event: str = "error") -> None:
        super().__init__(message if isinstance(message, str) else message.en)
        self.message = message
        self.event = event

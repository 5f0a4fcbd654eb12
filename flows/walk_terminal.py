"""What `python -m flows.cli walk` shows of each step, and the answers an author types."""

from __future__ import annotations

from collections.abc import Callable

from flows.content import Item
from flows.engine import FlowRun
from flows.model import StepKind, Texts
from flows.texts import button_label
from flows.walker import Input


class Terminal:
    """Inputs typed by the author."""

    def __init__(self, out: Callable[[str], None], ask: Callable[[str], str]) -> None:
        self.out, self.ask = out, ask

    def follow(self, flow_id: str) -> bool:
        """Ask the author whether to walk into the follow-on flow."""
        try:
            return self.ask(f"  walk on into {flow_id}? [y/N] ").strip().lower() == "y"
        except EOFError:
            return False

    def next(self, run: FlowRun) -> Input | None:
        """Ask what happens at the current step."""
        step = run.step
        if step.kind is StepKind.FORM:
            answers = {spec.name: self.ask(f"  {spec.label.get(run.lang)} ({spec.kind}): ")
                       for spec in step.fields}  # fmt: skip
            return ("form", answers)
        choices = run.buttons()
        if step.kind is StepKind.ACTION:
            self.out(f"  (simulated) {step.action}: Enter = ok, e = error, or a button")
        if step.kind is StepKind.LIST:
            self.out("  type an item's id to choose it, or a button")
        for i, event in enumerate(choices, 1):
            self.out(f"  {i}) {button_label(event, run.lang)} [{event}]")
        reply = self.ask("  > ").strip()
        words = reply.split()
        if words[:1] == ["wait"]:
            seconds = words[1] if len(words) > 1 else "3600"
            return ("wait", float(seconds)) if seconds.isdigit() else ("press", reply)
        if step.kind is StepKind.ACTION and reply in ("", "ok", "e", "error"):
            return ("action", "error" if reply in ("e", "error") else "ok")
        if reply.isdigit() and 1 <= int(reply) <= len(choices):
            return ("press", choices[int(reply) - 1])
        if step.kind is StepKind.LIST and reply in {i.id for i in run.items()}:
            return ("select", reply)
        return ("press", reply)


def show(run: FlowRun, out: Callable[[str], None]) -> None:
    """Write what the step on screen shows; at the end, the outcome and whether it wiped."""
    step = run.step
    timeout = f", {step.timeout:g} s" if step.timeout else ""
    out(f"[{step.name}] {step.title.get(run.lang)} ({step.kind}{timeout})")
    if step.prompt:
        out(f"  {step.prompt.get(run.lang)}")
    if run.error_message and step.kind is StepKind.NOTICE:
        out(f"  message: {run.error_message}")
    if step.kind is StepKind.CONFIRM:
        for label, value in run.summary():
            out(f"  {label}: {value}")
    if step.kind is StepKind.LIST:
        items = run.items()
        for item in items:
            out("  " + _item_line(item, run.lang))
        if not items:
            out("  (no items)")
    if step.kind is StepKind.DETAIL:
        _show_item(run, out)
    if run.done:
        extras = f", shows {', '.join(sorted(step.show))}" if step.show else ""
        number = run.session.record.transaction_number
        out(f"end: outcome {run.outcome}{extras}" + (f", number {number}" if number else ""))
        out(f"session wiped: {'yes' if run.session.wiped else 'NO'}")


_MATCH_WORDS = {
    "likely": Texts("可能符合", "may suit you"),
    "unlikely": Texts("可能不符合", "may not suit you"),
}


def _item_line(item: Item, lang: str) -> str:
    line = f"[{item.id}] {item.title.get(lang)}"
    if item.summary:
        line += f" · {item.summary.get(lang)}"
    if item.status:
        line += f" ({item.status.get(lang)})"
    if not item.available:
        line += " -- cannot be chosen"
    if item.match in _MATCH_WORDS:
        line += f" *{_MATCH_WORDS[item.match].get(lang)}*"
    return line


def _show_item(run: FlowRun, out: Callable[[str], None]) -> None:
    item = run.current_item()
    if item is None:
        out("  (no item chosen)")
        return
    out("  " + _item_line(item, run.lang))
    for label, value in item.rows:
        out(f"    {label.get(run.lang)}: {value.get(run.lang)}")
    for reason in item.reasons:
        out(f"    - {reason.get(run.lang)}")
    if "item_qr" in run.step.show and item.qr:
        out(f"    QR: {item.qr}")

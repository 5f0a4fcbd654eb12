"""`estation-kiosk screens --out DIR`: every screen of every catalog flow as a PNG.

Each service on the menu is walked along its common path (the first way offered, forms
answered with sample values and optional search filters left empty, the first card of a
simulated reader, the first item of a list) in zh-CN and English, in the normal and the
elder mode, on the real App off-screen.
Every step's screen is saved as `DIR/<lang>-<mode>/<flow>-<nn>-<step>.png` (the menu and an
unprovisioned kiosk's pairing screen as `00-welcome.png`, `00-pairing.png`), with one contact
sheet per language and mode (`DIR/<lang>-<mode>.png`), and checked from its widgets'
geometry (kiosk/ui/layout_check.py: text clipped or overflowing its box, a widget pushed out
of its layout, faint text). The problems found are printed and make the exit status 1.

`--readme DIR` draws only the README's pictures of the touchscreen (README_PICTURES), the
same way, into DIR (docs/img).

Without `--config` a controller with the demo content (jobs, classes, slots) and a kiosk of
simulators are started in a temporary folder, as `./dev demo` does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows import FlowRun, StepKind
from flows.model import FieldKind, FieldSpec
from flows.progress import FORWARD_EVENTS
from kiosk.ports import PairingView

if TYPE_CHECKING:
    from devkit.headless import HeadlessUI
    from kiosk.composition import Kiosk

LANGS = ("zh-CN", "en")
MODES = {"normal": False, "elder": True}
MAX_STEPS = 40
SAMPLE = {
    FieldKind.TEXT: "城关镇社区服务中心",
    FieldKind.NAME: "测试甲",
    FieldKind.MOBILE: "13800138000",
    FieldKind.ID_NUMBER: "11010519491231002X",
    FieldKind.REGION: "331122",
    FieldKind.BANK_ACCOUNT: "6217001234567890123",
    FieldKind.CHECKBOX: "yes",
}


@dataclass
class Shot:
    """One screen drawn: where, of which step, and what the geometry checks found."""

    flow_id: str
    lang: str
    mode: str
    step: str
    screen: str
    path: Path | None
    problems: list[str] = field(default_factory=list)


def sample_answers(run: FlowRun, today: dt.date, attempt: int = 0) -> dict[str, str]:
    """Answers that pass the form on screen; `attempt` moves dates on (a closed day)."""
    answers: dict[str, str] = {}
    for spec in run.step.fields:
        answers[spec.name] = _sample(spec, today, attempt)
    return answers


def _content_filters() -> frozenset[str]:
    from kiosk.content_refresh import SOURCE_FILTERS

    return frozenset(name for names in SOURCE_FILTERS.values() for name in names)


def _sample(spec: FieldSpec, today: dt.date, attempt: int) -> str:
    # An optional filter of a search is left empty, as most citizens leave it: the first
    # choice of every filter of job_search matched no job, and the job list and a job's
    # detail were never pictured.
    if not spec.required and spec.name in _content_filters():
        return ""
    day = today + dt.timedelta(days=(spec.min_days or 0) + attempt)
    if spec.kind is FieldKind.DATE:
        return day.isoformat()
    if spec.kind is FieldKind.DATE_RANGE:
        return f"{day.isoformat()}/{(day + dt.timedelta(days=1)).isoformat()}"
    if spec.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        return spec.choices[0].value if spec.choices else ""
    value = SAMPLE.get(spec.kind, "示例")
    if spec.kind is FieldKind.TEXT:
        value = (value * 3)[: max(spec.min_length, min(len(value), spec.max_length))]
    return value


def walk_flow(
    ui: HeadlessUI,
    flow_id: str,
    lang: str,
    mode: str,
    shoot: Callable[[str, int], Path | None],
    check: Callable[[object], list[str]],
    today: dt.date,
) -> list[Shot]:
    """Walk `flow_id` along its common path, drawing and checking every screen it shows."""
    session = ui.session
    session.set_lang(lang)
    session.set_elder(MODES[mode])
    session.start(flow_id)
    shots: list[Shot] = []
    for index in range(MAX_STEPS):
        # Four frames: a screen that fits its text to its room (the end screen, a detail's
        # pages) does so in the frame after its texts are drawn.
        ui.frames(4)
        run = session.run
        step = run.step.name if run is not None else "end"
        screen = ui.root.current_screen
        problems = check(screen)
        shots.append(Shot(flow_id, lang, mode, step, ui.root.current, shoot(step, index), problems))
        if run is None:
            break
        # Drawing the picture runs frames, and a step's action (the printer) may finish in
        # them: the run is then on a later step, an end with no buttons maybe, that is
        # pictured before anything is done on it.
        if session.run is run and run.step.name == step:
            _advance(ui, run, today)
    session.close()
    session.finish()
    ui.frames(1)
    return shots


def _advance(ui: HeadlessUI, run: FlowRun, today: dt.date) -> None:
    session = ui.session
    kind = run.step.kind
    if kind is StepKind.END:  # the session closes the run and shows the end screen
        ui.until(lambda: session.run is not run, 300)
        return
    if kind is StepKind.FORM:
        for attempt in range(15):
            if not session.submit(sample_answers(run, today, attempt)):
                return
        raise RuntimeError(f"{run.flow.id}: no sample answers pass step {run.step.name!r}")
    if kind is StepKind.LIST:
        available = [item.id for item in run.items() if item.available]
        if available:
            session.select(available[0])
            return
    if kind is StepKind.ACTION:
        history = len(run.history)
        tapper = session.tappers.get(run.step.action or "")
        if tapper is not None:
            tapper.present(tapper.card_names()[0])
        ui.until(lambda: session.run is not run or len(run.history) != history, 3000)
        return
    offered = run.buttons()
    forward = [e for e in (*FORWARD_EVENTS, "confirm", "personalised") if e in offered]
    session.fire(forward[0] if forward else offered[0])


def render_all(
    ui: HeadlessUI,
    flow_ids: Sequence[str],
    out: Path | None,
    *,
    langs: Iterable[str] = LANGS,
    modes: Iterable[str] = MODES,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Shot]:
    """Every screen of every flow in each language and mode; PNGs only when `out` is set."""
    from kiosk.ui.layout_check import layout_problems

    day = today or dt.date.today()
    shots: list[Shot] = []
    plans = [(lang, mode) for lang in langs for mode in modes]
    total = len(plans) * len(flow_ids)
    done = 0
    for lang, mode in plans:
        folder = out / f"{lang}-{mode}" if out is not None else None
        ui.session.set_lang(lang)
        ui.session.set_elder(MODES[mode])
        ui.frames(2)
        welcome = folder / "00-welcome.png" if folder is not None else None
        shots.append(
            Shot(
                "welcome",
                lang,
                mode,
                "welcome",
                "welcome",
                ui.screenshot(welcome) if welcome is not None else None,
                layout_problems(ui.root.welcome),
            )
        )
        pairing = folder / "00-pairing.png" if folder is not None else None
        shots.append(_pairing_shot(ui, lang, mode, pairing))
        for flow_id in flow_ids:
            done += 1
            if progress is not None:
                progress(f"[{done}/{total}] {lang} {mode} {flow_id}")

            def shoot(
                step: str, index: int, flow_id: str = flow_id, folder: Path | None = folder
            ) -> Path | None:
                if folder is None:
                    return None
                return ui.screenshot(folder / f"{flow_id}-{index:02d}-{step}.png")

            shots += walk_flow(ui, flow_id, lang, mode, shoot, layout_problems, day)
        ui.session.set_elder(False)
    return shots


# The technician's screen of an unprovisioned kiosk, with a code of the real alphabet.
SAMPLE_PAIRING = PairingView(
    code_shown="K7Q-M4Z",
    qr_payload="K7QM4Z",
    seconds_left=545.0,
    controller_url="https://estation.example.gov.cn",
    station_name="示范街道24小时就业服务e站",
    serial="SN-DEMO-0001",
)


def _pairing_shot(ui: HeadlessUI, lang: str, mode: str, path: Path | None) -> Shot:
    """The pairing screen drawn and checked, then the menu back (the session never left it)."""
    from kiosk.ui.layout_check import layout_problems

    ui.root.show_pairing(SAMPLE_PAIRING, lang)
    ui.frames(3)
    problems = layout_problems(ui.root.pairing)
    shot = Shot("pairing", lang, mode, "pairing", "pairing",
                ui.screenshot(path) if path is not None else None, problems)  # fmt: skip
    ui.root.pairing.clear()
    ui.root.show_welcome(lang)
    ui.frames(2)
    return shot


# The README's pictures of the touchscreen (docs/img), each drawn by `readme_pictures`.
README_PICTURES = (
    "kiosk-welcome.png",  # the menu, the whole catalog paged
    "kiosk-job-list.png",  # job_search with the ID card: jobs ranked for the citizen
    "kiosk-form-error.png",  # employment_registration: a short phone number, its error in place
    "kiosk-elder-question.png",  # elder mode: employment_registration's first question
)
SHORT_PHONE = "1391234"


def readme_pictures(ui: HeadlessUI, out: Path, today: dt.date | None = None) -> list[Shot]:
    """Draw the README's pictures (README_PICTURES) into `out`, each checked as in a walk."""
    from kiosk.ui.layout_check import layout_problems

    day = today or dt.date.today()
    shots: list[Shot] = []
    session = ui.session
    session.set_lang("zh-CN")
    session.set_elder(False)
    ui.frames(2)
    welcome = ui.screenshot(out / README_PICTURES[0])
    shots.append(Shot("welcome", "zh-CN", "normal", "welcome", "welcome", welcome,
                      layout_problems(ui.root.welcome)))  # fmt: skip

    def picture(name: str, wanted: Callable[[str], bool], before: Callable[[], None]) -> Any:
        def shoot(step: str, _index: int) -> Path | None:
            if not wanted(step) or any(s.path == out / name for s in shots):
                return None
            before()
            screen = ui.root.current_screen
            path = ui.screenshot(out / name)
            shots.append(Shot("readme", session.lang, "elder" if session.elder else "normal",
                              step, ui.root.current, path, layout_problems(screen)))  # fmt: skip
            return path

        return shoot

    def nothing() -> None:
        return None

    def short_phone() -> None:
        run = session.run
        form = ui.root.current_screen
        if run is None:
            return
        answers = sample_answers(run, day)
        for spec in run.step.fields:
            value = SHORT_PHONE if spec.kind is FieldKind.MOBILE else answers[spec.name]
            form.blocks[spec.name].set_value(value)
        # Refused: the error under the phone's box, the keypad on it.
        if not form.submit():
            raise RuntimeError(f"{run.flow.id}: a {len(SHORT_PHONE)}-digit phone was accepted")
        ui.frames(4)

    def on_list(_step: str) -> bool:
        return bool(ui.root.current == "list")

    def on_phone_form(_step: str) -> bool:
        run = session.run
        fields = run.step.fields if run is not None else ()
        return ui.root.current == "form" and any(f.kind is FieldKind.MOBILE for f in fields)

    def on_form(_step: str) -> bool:
        return bool(ui.root.current == "form")

    registration = "employment_registration"
    walks = (
        ("job_search", "normal", picture(README_PICTURES[1], on_list, nothing)),
        (registration, "normal", picture(README_PICTURES[2], on_phone_form, short_phone)),
        (registration, "elder", picture(README_PICTURES[3], on_form, nothing)),
    )
    for flow_id, mode, shoot in walks:
        walk_flow(ui, flow_id, "zh-CN", mode, shoot, lambda _screen: [], day)
    session.set_elder(False)
    missing = [name for name in README_PICTURES if not any(s.path == out / name for s in shots)]
    if missing:
        raise RuntimeError(f"README pictures not drawn: {', '.join(missing)}")
    return shots


def contact_sheets(shots: Sequence[Shot], out: Path, columns: int = 6) -> list[Path]:
    """One sheet of small pictures per language and mode, each named under it."""
    from PIL import Image, ImageDraw

    sheets: list[Path] = []
    groups: dict[tuple[str, str], list[Shot]] = {}
    for shot in shots:
        if shot.path is not None:
            groups.setdefault((shot.lang, shot.mode), []).append(shot)
    thumb_w, thumb_h, caption = 320, 200, 22
    for (lang, mode), group in groups.items():
        rows = -(-len(group) // columns)
        sheet = Image.new("RGB", (columns * thumb_w, rows * (thumb_h + caption)), "white")
        draw = ImageDraw.Draw(sheet)
        for i, shot in enumerate(group):
            with Image.open(str(shot.path)) as picture:
                small = picture.convert("RGB").resize((thumb_w - 8, thumb_h - 8))
            x, y = (i % columns) * thumb_w, (i // columns) * (thumb_h + caption)
            sheet.paste(small, (x + 4, y + 4))
            colour = "red" if shot.problems else "black"
            draw.text((x + 6, y + thumb_h), f"{shot.flow_id} {shot.step}"[:44], fill=colour)
        path = out / f"{lang}-{mode}.png"
        sheet.save(path)
        sheets.append(path)
    return sheets


def problems_of(shots: Iterable[Shot]) -> dict[str, list[str]]:
    """The geometry problems found, by screen (lang/mode/flow/step)."""
    return {f"{s.lang}/{s.mode}/{s.flow_id}/{s.step}": s.problems for s in shots if s.problems}


def main(argv: Sequence[str] | None = None) -> int:
    """Render every screen of the catalog, the contact sheets, and report the problems."""
    parser = argparse.ArgumentParser(prog="estation-kiosk screens", description=__doc__)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="folder for the PNGs")
    where.add_argument(
        "--readme",
        type=Path,
        metavar="DIR",
        help=f"only the README's pictures, into DIR (docs/img): {', '.join(README_PICTURES)}",
    )
    parser.add_argument("--config", type=Path, help="a kiosk.toml of simulators (optional)")
    parser.add_argument("--flow", action="append", help="only this service (repeatable)")
    args = parser.parse_args(argv)
    out = args.out or args.readme
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="estation-screens-") as scratch:
        return _render_on_simulators(
            out, args.config, args.flow, Path(scratch), readme=args.readme is not None
        )


def _render_on_simulators(
    out: Path,
    config_path: Path | None,
    only: Sequence[str] | None,
    scratch: Path,
    *,
    readme: bool = False,
) -> int:
    import logging

    from devkit.controller_process import ControllerProcess
    from devkit.demo import write_kiosk_config
    from devkit.tappers import held_pcsc_lock
    from kiosk.composition import build_kiosk
    from kiosk.config import load_config

    logging.basicConfig(level=logging.WARNING, filename=str(scratch / "kiosk.log"), force=True)
    controller = None
    if config_path is None:
        print("starting a controller with the demo content ...", file=sys.stderr, flush=True)
        controller = ControllerProcess(scratch / "controller")
        url = controller.wait_ready()
        code = controller.pairing_code("screens")
        config_path = write_kiosk_config(scratch / "kiosk.toml", url, code)
    config = load_config(config_path)
    try:
        with held_pcsc_lock(needed=config.social_card_reader.kind == "simulator"):
            shots, sheets = _render(build_kiosk(config), out, only, scratch, readme=readme)
    finally:
        if controller is not None:
            controller.stop()
    found = problems_of(shots)
    for screen, problems in found.items():
        for problem in problems:
            print(f"{screen}: {problem}")
    print(
        f"{sum(s.path is not None for s in shots)} screens, {len(sheets)} contact sheets "
        f"in {out}; {len(found)} with problems",
        file=sys.stderr,
    )
    return 1 if found else 0


def _render(
    kiosk: Kiosk, out: Path, only: Sequence[str] | None, scratch: Path, *, readme: bool
) -> tuple[list[Shot], list[Path]]:
    """The screens of a built kiosk (started here, closed after) and their contact sheets."""
    from devkit.headless import HeadlessUI
    from devkit.tappers import DemoRig

    kiosk.start()
    rig = DemoRig(kiosk.simulators)
    try:
        flow_ids = [f.id for f in kiosk.service.catalog if not only or f.id in only]
        with HeadlessUI(kiosk.service, demo=rig, kivy_home=scratch / "kivy") as ui:
            if readme:
                shots = readme_pictures(ui, out)
            else:
                shots = render_all(
                    ui,
                    flow_ids,
                    out,
                    progress=lambda line: print(line, file=sys.stderr, flush=True),
                )
        sheets = [] if readme else contact_sheets(shots, out)
    finally:
        rig.close()
        kiosk.close()
    return shots, sheets


def kiosk_main(argv: Sequence[str] | None = None) -> int:
    """`estation-kiosk`: `screens ...` renders the screens; anything else runs the kiosk."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["screens"]:
        return main(args[1:])
    from kiosk.ui.main import main as run_kiosk

    return run_kiosk(args)


if __name__ == "__main__":
    sys.exit(main())

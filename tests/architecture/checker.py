"""The import rules of docs/architecture.md as a checker: stdlib only, no import executed.

`check(root)` reads every module of the product packages and of devkit/ under `root` and
returns one `Violation` per import that breaks a rule. tests/ and bench/ are not read: they
may import anything. What counts as an import (in functions, relative, dynamic, a package's
lazy `_HOME` table, each on its own line) is imports.py's part; this module holds the rules.

An import is checked by the rules in this order and reports the first one it breaks, so one
bad import is one message:

    dynamic         a dynamic import of ours, or with a computed name, cannot be checked
    relative        a relative import climbing above its top-level package
    devkit          no product package imports devkit/
    kivy            only kiosk/ui/ and devkit/ import kivy
    kiosk-ui        kiosk code outside kiosk/ui/ never imports kiosk.ui
    driver-folders  a driver folder never imports another driver folder
    codec-io        a codec module imports no I/O library, directly or through drivers code
    table           the package table: which of our modules and which libraries each may use
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.architecture.imports import Import, imports_of, module_name, under

DOC = "docs/architecture.md"

PRODUCT = frozenset({"pii", "wire", "drivers", "flows", "kiosk", "provisioning", "controller"})
DEVKIT = "devkit"
OURS = PRODUCT | {DEVKIT}
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

_DRIVERS_LIBRARIES = frozenset(
    {"serial", "smartcard", "escpos", "usb", "cv2", "PIL", "qrcode", "numpy"}
)
_CONTROLLER_LIBRARIES = frozenset(
    {
        "fastapi",
        "starlette",
        "uvicorn",
        "sqlalchemy",
        "jinja2",
        "pydantic",
        "psycopg",
        "alembic",
        "prometheus_client",
        "argon2",
        # employers (controller/services/employers.py): credit-code checksums, pinyin initials
        "stdnum",
        "pypinyin",
        "xlsxwriter",
    }
)

# module prefix -> (prefixes of our modules it may import, third-party libraries it may import).
# The longest prefix naming a module wins, so "wire.vocabulary" narrows "wire". Our own
# entries list the package itself: nothing is implied.
# Beyond the first table of the project, on purpose: pii/ uses python-stdnum (the maintained
# GB/T 2260 region table) and cryptography (AES-GCM sealing at rest); wire/ uses pydantic.
TABLE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "pii": (frozenset({"pii"}), frozenset({"stdnum", "cryptography"})),
    "wire": (frozenset({"wire", "pii"}), frozenset({"pydantic"})),
    # a release's minisign signature, checked the same way by the controller and the kiosk
    "wire.release": (frozenset({"wire", "pii"}), frozenset({"pydantic", "cryptography"})),
    # flows import it, and flows take nothing else from wire: it stays stdlib only
    "wire.vocabulary": (frozenset(), frozenset()),
    # the matching rules kiosk (flows/matching.py) and controller share: stdlib only too
    "wire.matching": (frozenset(), frozenset()),
    # every package's lazy names go through it (flows, drivers/*): stdlib only, loads nothing
    "pii.lazy": (frozenset(), frozenset()),
    "drivers": (frozenset({"drivers", "pii"}), _DRIVERS_LIBRARIES),
    # of wire, flows take only the shared names (DeviceKind) and matching rules, never the
    # messages
    "flows": (
        frozenset({"flows", "pii", "wire.vocabulary", "wire.matching"}),
        frozenset({"yaml"}),
    ),
    "kiosk": (
        frozenset({"kiosk", "flows", "drivers", "wire", "pii"}),
        # zeroconf, ifaddr: the kiosk announces itself on its LAN (kiosk/advertising.py);
        # pypinyin: the voice reads Chinese as tone-numbered pinyin (kiosk/speech/)
        frozenset({"kivy", "httpx", "PIL", "zeroconf", "ifaddr", "pypinyin"}),
    ),
    "provisioning": (
        frozenset({"provisioning", "drivers", "wire", "pii"}),
        # rich: the technician's tables and progress; PIL: the self-test report as a PNG
        frozenset({"zeroconf", "httpx", "rich", "PIL"}),
    ),
    "controller": (frozenset({"controller", "wire", "pii"}), _CONTROLLER_LIBRARIES),
    # development tools (demo, headless rendering, screenshots, card tappers) drive the
    # whole product, so they may use all of it and every library it uses
    DEVKIT: (
        OURS,
        _DRIVERS_LIBRARIES
        | _CONTROLLER_LIBRARIES
        | {"kivy", "httpx", "zeroconf", "ifaddr", "rich", "yaml", "stdnum", "cryptography"}
        # estation-release follows the kiosk's requirements and their markers (PEP 508)
        | {"packaging"},
    ),
}

# Sans-IO modules: bytes or records in, frozen objects out; the device class next to them
# owns ports, threads and time. A glob covers a driver added later.
CODEC_MODULES: dict[str, str] = {
    "drivers/*/protocol.py": "a driver's wire protocol: frames (or status bytes) to objects",
    "drivers/idcard/card.py": "the card's 256-byte text block to an IdCard",
    "drivers/idcard/card_build.py": "card values to the 256-byte text block and reply data",
    "drivers/idcard/photo.py": "the card's compressed photo bytes to an image, in memory",
    "drivers/socialcard/apdu.py": "ISO 7816-4 APDUs and the T=0 exchange, fed by the reader",
    "drivers/socialcard/ssse.py": "the SSSE record table and its parsers, run via a callable",
    "drivers/printer/escpos_render.py": "a Receipt to ESC/POS bytes (python-escpos's Dummy)",
    "drivers/printer/escpos_decode.py": "ESC/POS bytes to printed items, for the simulator",
    "drivers/printer/printed.py": "the printed items the decoder reads (lines, codes, cuts)",
    "drivers/printer/escpos_commands.py": "the decoder's command tables (parameter lengths)",
    "drivers/printer/layout.py": "receipt text widths, wrapping and code-page bytes",
}

# What a codec may not import: anything that reaches a device, the network, a process, a
# thread, the clock or the file system. A codec that needs one of these is doing its device's
# job: the device class owns ports, timeouts, retries and threads and hands the codec bytes.
# Keys are module prefixes ("usb" covers usb.core). cv2 is here because its VideoCapture opens
# cameras; image analysis is not codec work. logging is not: a codec may log a frame it
# skipped, and handlers are the application's choice.
_ESCPOS_CONNECTIONS = "a python-escpos connection; its Dummy encoder is not one"
IO_LIBRARIES: dict[str, str] = {
    "serial": "serial ports",
    "smartcard": "PC/SC readers",
    "usb": "USB devices",
    "cv2": "cameras and image files",
    **{
        f"escpos.printer.{name}": _ESCPOS_CONNECTIONS
        for name in (
            *("usb", "serial", "network", "file", "cups", "lp", "win32raw"),
            *("Usb", "Serial", "Network", "File", "CupsPrinter", "LP", "Win32Raw"),
        )
    },
    **dict.fromkeys(
        (
            *("socket", "ssl", "select", "selectors", "asyncio", "socketserver"),
            *("http.client", "http.server", "urllib.request", "httpx", "requests", "zeroconf"),
        ),
        "the network",
    ),
    **dict.fromkeys(
        ("subprocess", "multiprocessing", "threading", "concurrent", "signal"),
        "processes and threads",
    ),
    # a codec that waits or reads the clock cannot be fed a recorded trace byte by byte
    **dict.fromkeys(("time", "sched"), "the clock"),
    **dict.fromkeys(
        ("os", "pathlib", "shutil", "tempfile", "mmap", "fcntl", "termios", "tty", "pty"),
        "files and terminals",
    ),
}

# (file, module prefix) it may import against the rules -> why, and until when. A test fails
# when an entry is no longer needed, so none outlives its reason.
ALLOWED_EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Violation:
    """An import that breaks a rule, said so a developer can find and fix it."""

    path: str
    line: int
    imported: str
    written: str
    rule: str
    reason: str

    def __str__(self) -> str:
        said = "" if self.written == f"import {self.imported}" else f" ({self.written})"
        return f"{self.path}:{self.line} imports {self.imported}{said}: {self.reason} ({DOC})"


class _Tree:
    """The modules under one root, parsed once each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._imports: dict[str, list[Import]] = {}

    def files(self) -> list[str]:
        found = []
        for package in sorted(OURS):
            found += [
                p.relative_to(self.root).as_posix() for p in (self.root / package).rglob("*.py")
            ]
        return sorted(found)

    def imports(self, relpath: str) -> list[Import]:
        if relpath not in self._imports:
            source = (self.root / relpath).read_text(encoding="utf-8")
            self._imports[relpath] = imports_of(source, relpath)
        return self._imports[relpath]

    def file_of(self, target: str) -> str | None:
        """The file that defines module `target` or, for `pkg.mod.name`, the module `name` is in."""
        parts = target.split(".")
        for n in range(len(parts), 0, -1):
            for candidate in ("/".join(parts[:n]) + ".py", "/".join(parts[:n]) + "/__init__.py"):
                if (self.root / candidate).is_file():
                    return candidate
        return None

    def is_module(self, dotted: str) -> bool:
        """Whether `dotted` names a module of ours under the root (not a class in one)."""
        base = self.root / dotted.replace(".", "/")
        return bool(dotted) and (
            base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()
        )

    def driver_folder(self, dotted: str) -> str | None:
        """The driver folder (drivers/<name>/) a module is in, if any."""
        parts = dotted.split(".")
        if (
            len(parts) >= 2
            and parts[0] == "drivers"
            and (self.root / "drivers" / parts[1]).is_dir()
        ):
            return parts[1]
        return None

    def io_reached(self, target: str) -> tuple[str, str, Import] | None:
        """(library, file, import) of the first I/O library importing `target` reaches.

        The file is "" when `target` is that library itself.

        Follows our drivers modules only: pii and wire have their own rows in the table, and
        the parent packages' __init__ files are not followed (they re-export the devices for
        callers; a codec that wants them names them and is caught).
        """
        seen: set[str] = set()
        todo = [target]
        while todo:
            name = todo.pop()
            library = _io_library(name)
            if library:
                return library, "", Import(0, name, name, name)
            path = self.file_of(name) if name.startswith("drivers.") else None
            if path is None or path in seen:
                continue
            seen.add(path)
            for imp in self.imports(path):
                library = _io_library(imp.target)
                if library:
                    return library, path, imp
                todo.append(imp.target)
        return None


def _io_library(target: str) -> str | None:
    return next((lib for lib in IO_LIBRARIES if under(target, lib)), None)


def _is_codec(relpath: str) -> bool:
    return any(fnmatch.fnmatchcase(relpath, pattern) for pattern in CODEC_MODULES)


def _table_row(module: str) -> str:
    return max((key for key in TABLE if under(module, key)), key=len)


def _refusal(tree: _Tree, relpath: str, imp: Import) -> tuple[str, str] | None:
    """(rule, reason) of the first rule the import breaks, or None."""
    module = module_name(relpath)
    target = imp.target
    top = target.split(".")[0]
    if imp.kind == "relative" and not target:
        return "relative", "a relative import climbs above its top-level package"
    if imp.kind == "dynamic" and not under(module, DEVKIT):
        # a literal naming a library is checked below like any import; ours or unknown is not
        if not target or target.startswith("."):
            return "dynamic", "a dynamic import with a computed name cannot be checked"
        if top in OURS:
            return "dynamic", "a dynamic import of our code cannot be checked; write an import"
    if top == DEVKIT and not under(module, DEVKIT):
        return "devkit", "no product package imports devkit/ (development tools)"
    if top == "kivy" and not (under(module, "kiosk.ui") or under(module, DEVKIT)):
        return "kivy", "only kiosk/ui/ and devkit/ import kivy"
    if under(module, "kiosk") and not under(module, "kiosk.ui") and under(target, "kiosk.ui"):
        return "kiosk-ui", "kiosk code outside kiosk/ui/ never imports kiosk.ui"
    own, other = tree.driver_folder(module), tree.driver_folder(target)
    if own and other and own != other:
        return (
            "driver-folders",
            f"drivers/{own}/ does not import another driver folder (drivers/{other}/); "
            "shared code lives in a drivers/*.py module",
        )
    if _is_codec(relpath):
        reached = tree.io_reached(target)
        if reached:
            library, path, via = reached
            what = IO_LIBRARIES[library]
            if not path:
                return "codec-io", f"a codec module imports no I/O library ({library}: {what})"
            return (
                "codec-io",
                "a codec module imports no I/O library, not even through drivers code: "
                f"{path}:{via.line} imports {library} ({what})",
            )
    if top in STDLIB:
        return None
    row = _table_row(module)
    ours, libraries = TABLE[row]
    if top in OURS:
        if any(under(target, allowed) for allowed in ours):
            return None
        allowed = ", ".join(sorted(ours)) or "nothing"
        return "table", f"the package table lets {row} import only {allowed} of ours"
    if top in libraries:
        return None
    return "table", f"the package table does not give {row} the library {top}"


def check(
    root: Path, exceptions: Mapping[tuple[str, str], str] = ALLOWED_EXCEPTIONS
) -> list[Violation]:
    """Every import under `root` that breaks a rule, except the allowed ones."""
    tree = _Tree(root)
    found = []
    for relpath in tree.files():
        for imp in tree.imports(relpath):
            if any(path == relpath and under(imp.target, prefix) for path, prefix in exceptions):
                continue
            refused = _refusal(tree, relpath, imp)
            if refused:
                shown = imp.target if tree.is_module(imp.target) else imp.module
                found.append(Violation(relpath, imp.line, shown, imp.written, *refused))
    # `from m import a, b` is one import per name; one message says it
    return list(dict.fromkeys(found))

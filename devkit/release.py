"""`estation-release`: make a signing key, build and sign a release bundle, check one.

    estation-release keygen --out keys/          keys/estation-release.key and .pub
    estation-release build --version 1.4.0 --key keys/estation-release.key --out dist/
        [--requirements requirements.lock [--extra kiosk] [--find-links DIR] [--no-index]]
    estation-release verify dist/estation-1.4.0.tar.gz --pub keys/estation-release.pub

The bundle holds the packages the kiosk runs (pii, wire, drivers, flows, kiosk) and
release.json at its top; with `--requirements` also a wheelhouse (`wheels/`, made by
`pip wheel --no-deps`: a wheel where the index has one, built from the sdist where not) of
what the kiosk installs, each wheel's sha256 in release.json, and the lock's lines for
those wheels (as requirements.lock), so the kiosk installs them offline (docs/updates.md).
What the kiosk installs is the closure of pyproject.toml's dependencies and its `kiosk`
extra, each at its pin in the lock, followed through every wheel's own Requires-Dist: the
repository's lock also pins the controller's and the developers' packages, which a kiosk
never runs. The signature is
minisign's (wire/release.py), so Debian's `minisign -Vm BUNDLE -p KEY.pub` checks it, and
`minisign -S` could have made it. The secret key is written in minisign's unencrypted
format (as `minisign -G -W` writes it): keep it off the controller and off every kiosk, on
the release manager's machine only; the kiosks hold only the public key (docs/updates.md).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from wire.release import (
    MANIFEST,
    REQUIREMENTS,
    WHEELS,
    PublicKey,
    ReleaseRefused,
    read_manifest,
    read_wheels,
    trusted_comment,
    verify,
)

# What a kiosk runs from its release folder; kiosk/ may import only these (architecture.md).
PACKAGES = ("pii", "wire", "drivers", "flows", "kiosk")
KEY_FILE = "estation-release.key"
PUB_FILE = "estation-release.pub"
_SKIPPED = {"__pycache__"}
# minisign secret key: "Ed" | kdf "\0\0" (not encrypted) | "B2" | salt 32 | opslimit 8 |
# memlimit 8 | key id 8 | secret key 64 (seed | public) | checksum 32
_SECRET_LENGTH = 158


@dataclass(frozen=True)
class SecretKey:
    """A minisign Ed25519 secret key (unencrypted)."""

    key_id: bytes
    seed: bytes

    @classmethod
    def generate(cls) -> SecretKey:
        """A new random key."""
        return cls(secrets.token_bytes(8), secrets.token_bytes(32))

    @classmethod
    def parse(cls, text: str) -> SecretKey:
        """Read an unencrypted minisign secret key file (`minisign -G -W`, or `keygen`)."""
        lines = [line for line in text.splitlines() if line.strip()]
        raw = base64.b64decode(lines[-1]) if lines else b""
        if len(raw) != _SECRET_LENGTH or raw[:2] != b"Ed":
            raise ReleaseRefused("bad_key", "not a minisign Ed25519 secret key")
        if raw[2:4] != b"\0\0":
            raise ReleaseRefused("bad_key", "the key is password-protected: sign with minisign -S")
        return cls(raw[54:62], raw[62:94])

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def public(self) -> PublicKey:
        """Its public key."""
        raw = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return PublicKey(self.key_id, raw)

    def text(self) -> str:
        """The secret key file's text."""
        secret = self.seed + self.public().key
        checksum = hashlib.blake2b(b"Ed" + self.key_id + secret, digest_size=32).digest()
        raw = b"Ed\0\0B2" + bytes(48) + self.key_id + secret + checksum
        line = base64.b64encode(raw).decode("ascii")
        return f"untrusted comment: minisign secret key {self.public().key_id_hex}\n{line}\n"

    def sign(self, data: bytes, comment: str) -> str:
        """A prehashed minisign signature of `data` with `comment` as its trusted comment."""
        private = self._private
        signature = private.sign(hashlib.blake2b(data, digest_size=64).digest())
        global_signature = private.sign(signature + comment.encode("utf-8"))
        first = base64.b64encode(b"ED" + self.key_id + signature).decode("ascii")
        second = base64.b64encode(global_signature).decode("ascii")
        return (
            "untrusted comment: signature from estation-release\n"
            f"{first}\ntrusted comment: {comment}\n{second}\n"
        )


def _add_tree(tar: tarfile.TarFile, root: Path, package: str) -> None:
    for path in sorted((root / package).rglob("*")):
        if _SKIPPED & set(path.relative_to(root).parts) or not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        info = tar.gettarinfo(str(path), arcname=name)
        # Reproducible and owned by nobody in particular: the kiosk unpacks as itself.
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        with path.open("rb") as handle:
            tar.addfile(info, handle)


def build_wheelhouse(
    requirements: Path,
    out: Path,
    *,
    find_links: Path | None = None,
    no_index: bool = False,
    python: str = sys.executable,
) -> list[Path]:
    """Wheels for every line of a pinned requirements file, in `out`; the wheels made.

    `--no-deps`: the file is a lock, complete already; pip resolving again could add what
    the lock does not pin. `find_links`/`no_index` build from a local wheelhouse (offline).
    """
    out.mkdir(parents=True, exist_ok=True)
    command = [python, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check"]
    command += ["--wheel-dir", str(out), "-r", str(requirements)]
    if find_links is not None:
        command += ["--find-links", str(find_links)]
    if no_index:
        command.append("--no-index")
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise ReleaseRefused("wheelhouse", f"pip wheel failed: {' '.join(tail)}")
    return sorted(out.glob("*.whl"))


def kiosk_roots(pyproject: Path, extra: str = "kiosk") -> list[Requirement]:
    """What a kiosk installs first: the project's dependencies and those of `extra`."""
    try:
        project = tomllib.loads(pyproject.read_text("utf-8"))["project"]
        lines = [*project.get("dependencies", []), *project["optional-dependencies"][extra]]
        return [Requirement(line) for line in lines]
    except (OSError, KeyError, tomllib.TOMLDecodeError, InvalidRequirement) as err:
        raise ReleaseRefused(
            "wheelhouse", f"no extra {extra!r} in {pyproject}: {type(err).__name__}"
        ) from err


def _pinned_lines(lock: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw in lock.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found[canonicalize_name(Requirement(line).name)] = line
    return found


def _requires(wheel: Path) -> tuple[str, list[Requirement]]:
    """A wheel's project name and its Requires-Dist, read from its METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    needs = [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]
    return canonicalize_name(metadata["Name"]), needs


def _wanted(requirement: Requirement, extra: str) -> Iterable[tuple[str, str]]:
    # Markers are those of the machine building (the kiosk's Debian and Python): a
    # Windows-only or older-Python dependency is not followed.
    if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
        name = canonicalize_name(requirement.name)
        yield name, ""
        yield from ((name, wanted) for wanted in sorted(requirement.extras))


@dataclass(frozen=True)
class Wheelhouse:
    """The wheels a release carries and the lock's lines that pin them."""

    wheels: list[Path]
    lock: str


def build_closure(
    requirements: Path,
    roots: Sequence[Requirement],
    out: Path,
    *,
    find_links: Path | None = None,
    no_index: bool = False,
    python: str = sys.executable,
) -> Wheelhouse:
    """Wheels of `roots` and of all they need, each at its pin in `requirements`, in `out`.

    Built round by round (the wheels of one round say what the next needs), so a package
    only the controller or the developers use is never fetched. A needed package the lock
    does not pin is refused: the kiosk installs offline, from these wheels only.
    """
    pinned = _pinned_lines(requirements.read_text("utf-8"))
    built: dict[str, Path] = {}
    needs: dict[str, list[Requirement]] = {}
    seen: set[tuple[str, str]] = set()
    todo = [wanted for root in roots for wanted in _wanted(root, "")]
    with tempfile.TemporaryDirectory() as folder:
        while todo := [wanted for wanted in dict.fromkeys(todo) if wanted not in seen]:
            missing = sorted({name for name, _ in todo if name not in built})
            if unpinned := [name for name in missing if name not in pinned]:
                raise ReleaseRefused(
                    "wheelhouse", f"not pinned in {requirements.name}: {', '.join(unpinned)}"
                )
            if missing:
                round_file = Path(folder) / f"round-{len(built)}.txt"
                round_file.write_text("".join(f"{pinned[name]}\n" for name in missing))
                build_wheelhouse(
                    round_file, out, find_links=find_links, no_index=no_index, python=python
                )
                for wheel in out.glob("*.whl"):
                    name, requires = _requires(wheel)
                    if name in missing:
                        built[name], needs[name] = wheel, requires
                if lost := [name for name in missing if name not in built]:
                    raise ReleaseRefused("wheelhouse", f"pip made no wheel for {', '.join(lost)}")
            seen.update(todo)
            todo = [
                wanted
                for name, extra in todo
                for requirement in needs[name]
                for wanted in _wanted(requirement, extra)
            ]
    lines = [line for name, line in pinned.items() if name in built]
    return Wheelhouse(sorted(built.values()), "".join(f"{line}\n" for line in lines))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def build_bundle(
    version: str,
    root: Path,
    *,
    packages: Sequence[str] = PACKAGES,
    built_at: str = "",
    requirements: Path | None = None,
    wheels: Sequence[Path] = (),
) -> bytes:
    """The bundle's bytes: `packages` from `root`, release.json naming `version`, and with
    `requirements` that file and its `wheels`, each wheel's sha256 in release.json."""
    manifest: dict[str, object] = {
        "version": version,
        "built_at": built_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "packages": ",".join(packages),
    }
    if requirements is not None:
        manifest["wheels"] = {
            wheel.name: hashlib.sha256(wheel.read_bytes()).hexdigest()
            for wheel in sorted(wheels, key=lambda w: w.name)
        }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
        for package in packages:
            _add_tree(tar, root, package)
        if requirements is not None:
            _add_bytes(tar, REQUIREMENTS, requirements.read_bytes())
            for wheel in sorted(wheels, key=lambda w: w.name):
                _add_bytes(tar, f"{WHEELS}/{wheel.name}", wheel.read_bytes())
    bundle = buffer.getvalue()
    read_manifest(bundle)  # what the kiosk will read, read once here
    read_wheels(bundle)
    return bundle


def sign_bundle(bundle: bytes, version: str, key: SecretKey) -> str:
    """The bundle's signature, its trusted comment naming the version and sha256."""
    return key.sign(bundle, trusted_comment(version, hashlib.sha256(bundle).hexdigest()))


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def build_parser() -> argparse.ArgumentParser:
    """The command line of estation-release."""
    parser = argparse.ArgumentParser(
        prog="estation-release", description="Build and sign e-station kiosk releases."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="make a signing key pair")
    keygen.add_argument("--out", type=Path, default=Path())
    build = commands.add_parser("build", help="build and sign a release bundle")
    build.add_argument("--version", required=True)
    build.add_argument("--key", type=Path, required=True, help="the secret key file")
    build.add_argument("--out", type=Path, default=Path("dist"))
    build.add_argument(
        "--source", type=Path, default=Path(__file__).resolve().parent.parent, help="repo root"
    )
    build.add_argument(
        "--requirements",
        type=Path,
        help="a pinned requirements file: ship the wheels of what the kiosk installs",
    )
    build.add_argument("--extra", default="kiosk", help="pyproject.toml's extra the kiosk installs")
    build.add_argument("--find-links", type=Path, help="a local folder of wheels for pip")
    build.add_argument("--no-index", action="store_true", help="never ask a package index")
    check = commands.add_parser("verify", help="check a bundle against a public key")
    check.add_argument("bundle", type=Path)
    check.add_argument("--pub", type=Path, required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run estation-release; 0 done, 1 refused."""
    args = build_parser().parse_args(argv)
    out = sys.stdout
    try:
        if args.command == "keygen":
            args.out.mkdir(parents=True, exist_ok=True)
            secret = SecretKey.generate()
            key_path, pub_path = args.out / KEY_FILE, args.out / PUB_FILE
            if key_path.exists():
                raise ReleaseRefused("exists", f"{key_path} exists: not overwritten")
            _write(key_path, secret.text().encode("ascii"), 0o600)
            _write(pub_path, secret.public().text().encode("ascii"))
            out.write(f"{key_path} (keep it secret)\n{pub_path} (pin it on every kiosk)\n")
        elif args.command == "build":
            secret = SecretKey.parse(args.key.read_text("ascii"))
            if args.requirements is None:
                bundle = build_bundle(args.version, args.source)
            else:
                roots = kiosk_roots(args.source / "pyproject.toml", args.extra)
                with tempfile.TemporaryDirectory() as folder:
                    house = build_closure(
                        args.requirements,
                        roots,
                        Path(folder) / "wheels",
                        find_links=args.find_links,
                        no_index=args.no_index,
                    )
                    narrowed = Path(folder) / "requirements.lock"
                    narrowed.write_text(house.lock, "utf-8")
                    bundle = build_bundle(
                        args.version, args.source, requirements=narrowed, wheels=house.wheels
                    )
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / f"estation-{args.version}.tar.gz"
            _write(path, bundle)
            _write(Path(f"{path}.minisig"), sign_bundle(bundle, args.version, secret).encode())
            out.write(f"{path} ({len(bundle)} bytes) and {path.name}.minisig\n")
        else:
            bundle = args.bundle.read_bytes()
            signature = Path(f"{args.bundle}.minisig").read_text("ascii")
            trusted = verify(bundle, signature, PublicKey.parse(args.pub.read_text("ascii")))
            read_manifest(bundle)
            out.write(f"good signature: version {trusted.version}\n")
    except (ReleaseRefused, OSError) as err:
        sys.stderr.write(f"refused: {err}\n")
        return 1
    return 0

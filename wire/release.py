"""Signed software releases: what a bundle is and how its signature is checked.

A release is two files made by `estation-release build` (devkit/release.py):

    estation-<version>.tar.gz          the kiosk's packages and release.json at the top
    estation-<version>.tar.gz.minisig  its signature, in minisign's format

The signature is minisign's, so ops may check a bundle with Debian's `minisign -Vm FILE -p
KEY.pub` and sign with `minisign -S` instead of our tool. Layout of the files (base64 lines;
integers little-endian):

    public key   untrusted comment: <text>
                 base64( "Ed" | key id (8) | Ed25519 public key (32) )
    signature    untrusted comment: <text>
                 base64( "ED" | key id (8) | Ed25519 signature of BLAKE2b-512(file) (64) )
                 trusted comment: <text>
                 base64( Ed25519 signature of (the signature above | trusted comment) (64) )

Only prehashed ("ED") signatures are taken: minisign's legacy "Ed" signs the whole file,
which a verifier would have to hold in memory twice. The trusted comment is signed too, and
names the version and the bundle's sha256 (`estation-release version=1.4.0 sha256=<hex>`):
a signed bundle of one version cannot be offered as another, nor an old one as new.

A release whose Python requirements changed carries them: `requirements.lock` at the top
and a wheelhouse `wheels/*.whl`, each wheel named in release.json's `wheels` with its
sha256 (`{"wheels": {"tiny-1.0-py3-none-any.whl": "<hex>"}}`). The kiosk installs them
offline into a virtualenv of the release's own (kiosk/updater.py); a wheel that is not in
the manifest, missing from the bundle or of another digest refuses the bundle
(`wheel_mismatch`), even though the signature covers the bytes: the manifest is what the
release manager meant, the bytes are what the build produced.

Everything is checked before anything is trusted; a failure is a `ReleaseRefused` with a
stable `code` the kiosk reports and the controller shows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
from dataclasses import dataclass

from wire.codes import RELEASE_VERSION_PATTERN

MANIFEST = "release.json"
REQUIREMENTS = "requirements.lock"
WHEELS = "wheels"
_WHEEL_NAME = re.compile(r"^[A-Za-z0-9_.+!-]+\.whl$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
TRUSTED_PREFIX = "estation-release"
_VERSION = re.compile(RELEASE_VERSION_PATTERN)
_KEY_ALGORITHM = b"Ed"
_PREHASHED = b"ED"
_TRUSTED = re.compile(
    rf"^{TRUSTED_PREFIX} version=(?P<version>\S+) sha256=(?P<sha256>[0-9a-f]{{64}})(?: .*)?$"
)


class ReleaseRefused(ValueError):
    """A bundle, signature or key that is not what a release must be; `code` says what."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PublicKey:
    """A minisign public key: its 8-byte id and the Ed25519 key."""

    key_id: bytes
    key: bytes

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        """Read a `.pub` file's text (or its one base64 line)."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith("untrusted comment:")]
        raw = _b64(lines[-1] if lines else "", "public key")
        if len(raw) != 42 or raw[:2] != _KEY_ALGORITHM:
            raise ReleaseRefused("bad_key", "not an Ed25519 minisign public key")
        return cls(raw[2:10], raw[10:])

    @property
    def key_id_hex(self) -> str:
        """The id as minisign prints it."""
        return self.key_id[::-1].hex().upper()

    def text(self) -> str:
        """The `.pub` file's text."""
        line = base64.b64encode(_KEY_ALGORITHM + self.key_id + self.key).decode("ascii")
        return f"untrusted comment: minisign public key {self.key_id_hex}\n{line}\n"


@dataclass(frozen=True)
class Signature:
    """A parsed minisign signature, not yet checked."""

    algorithm: bytes
    key_id: bytes
    signature: bytes
    trusted_comment: str
    global_signature: bytes

    @classmethod
    def parse(cls, text: str) -> Signature:
        """Read a `.minisig` file's text."""
        lines = [line.rstrip("\r") for line in text.strip().splitlines()]
        if len(lines) != 4 or not lines[2].startswith("trusted comment: "):
            raise ReleaseRefused("unsigned", "no minisign signature (4 lines expected)")
        raw = _b64(lines[1], "signature")
        if len(raw) != 74:
            raise ReleaseRefused("unsigned", "the signature line has the wrong length")
        glob = _b64(lines[3], "trusted comment signature")
        if len(glob) != 64:
            raise ReleaseRefused("unsigned", "the trusted comment's signature has the wrong length")
        return cls(raw[:2], raw[2:10], raw[10:], lines[2][len("trusted comment: ") :], glob)


@dataclass(frozen=True)
class Trusted:
    """What the signed trusted comment says of the bundle."""

    version: str
    sha256: str


def _b64(line: str, what: str) -> bytes:
    try:
        return base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ReleaseRefused("unsigned", f"the {what} is not base64") from err


def trusted_comment(version: str, sha256: str) -> str:
    """The trusted comment a release is signed with."""
    return f"{TRUSTED_PREFIX} version={version} sha256={sha256}"


def read_trusted(signature_text: str) -> Trusted:
    """The version and sha256 a signature names, unchecked (the controller's listing)."""
    match = _TRUSTED.match(Signature.parse(signature_text).trusted_comment)
    if match is None or not _VERSION.match(match["version"]):
        raise ReleaseRefused("not_a_release", "the trusted comment names no e-station release")
    return Trusted(match["version"], match["sha256"])


def verify(bundle: bytes, signature_text: str, key: PublicKey) -> Trusted:
    """Check `bundle` against its signature with the pinned key; what the signature names.

    Refused: no or malformed signature (`unsigned`), another key (`wrong_key`), a signature
    that does not match the bytes (`bad_signature`), a trusted comment that does not name
    these bytes (`not_a_release`, `digest_mismatch`).
    """
    sig = Signature.parse(signature_text)
    if sig.algorithm != _PREHASHED:
        raise ReleaseRefused("unsigned", "only prehashed (ED) minisign signatures are accepted")
    if sig.key_id != key.key_id:
        raise ReleaseRefused("wrong_key", "signed by another key than the one pinned")
    # cryptography loads with the first release checked, not with the kiosk's start.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public = Ed25519PublicKey.from_public_bytes(key.key)
    try:
        public.verify(sig.signature, hashlib.blake2b(bundle, digest_size=64).digest())
        public.verify(sig.global_signature, sig.signature + sig.trusted_comment.encode("utf-8"))
    except InvalidSignature as err:
        raise ReleaseRefused("bad_signature", "the signature does not match the bundle") from err
    trusted = read_trusted(signature_text)
    if hashlib.sha256(bundle).hexdigest() != trusted.sha256:
        raise ReleaseRefused("digest_mismatch", "the signed sha256 is not the bundle's")
    return trusted


def _read_json_manifest(bundle: bytes) -> tuple[dict[str, object], dict[str, bytes]]:
    """release.json and the wheels' bytes from a bundle."""
    # Imported with the first bundle read: the kiosk's updater loads this module before
    # the menu shows, and tarfile (1.2 ms) is not needed until a release comes.
    import tarfile

    wheels: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            data = json.loads(member.read()) if member is not None else None
            for info in tar.getmembers():
                if info.name.startswith(f"{WHEELS}/") and info.isfile():
                    handle = tar.extractfile(info)
                    wheels[info.name[len(WHEELS) + 1 :]] = handle.read() if handle else b""
    except (tarfile.TarError, KeyError, OSError, json.JSONDecodeError) as err:
        raise ReleaseRefused("bad_bundle", f"no readable {MANIFEST}: {err}") from err
    if not isinstance(data, dict) or not _VERSION.match(str(data.get("version", ""))):
        raise ReleaseRefused("bad_bundle", f"{MANIFEST} names no valid version")
    return data, wheels


def read_manifest(bundle: bytes) -> dict[str, str]:
    """release.json's plain fields from a bundle's top level (`version` at least)."""
    data, _wheels = _read_json_manifest(bundle)
    return {str(k): str(v) for k, v in data.items() if not isinstance(v, dict | list)}


def manifest_wheels(manifest: dict[str, object]) -> dict[str, str]:
    """The wheels release.json names, file name to sha256 (refused when malformed)."""
    listed = manifest.get("wheels", {})
    if not isinstance(listed, dict) or not all(
        isinstance(name, str)
        and _WHEEL_NAME.match(name)
        and isinstance(digest, str)
        and _SHA256.match(digest)
        for name, digest in listed.items()
    ):
        raise ReleaseRefused("bad_bundle", f"{MANIFEST} lists its wheels wrongly")
    return dict(listed)


def check_wheels(listed: dict[str, str], present: dict[str, bytes]) -> None:
    """Refuse (`wheel_mismatch`) unless the wheels present are exactly those listed."""
    for name in sorted(set(listed) | set(present)):
        if name not in present:
            raise ReleaseRefused("wheel_mismatch", f"{name} is listed but not in the bundle")
        if name not in listed:
            raise ReleaseRefused("wheel_mismatch", f"{name} is in the bundle but not listed")
        if hashlib.sha256(present[name]).hexdigest() != listed[name]:
            raise ReleaseRefused("wheel_mismatch", f"{name} is not the wheel the manifest names")


def read_wheels(bundle: bytes) -> dict[str, str]:
    """The bundle's wheels, checked against its manifest; file name to sha256."""
    data, present = _read_json_manifest(bundle)
    listed = manifest_wheels(data)
    check_wheels(listed, present)
    return listed

"""Password hashing (argon2id) and the rule for what counts as a password."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from controller.auth.config import AuthSettings

MIN_LENGTH = 12
# argon2 hashes any length; a cap keeps a megabyte "password" from costing us.
MAX_LENGTH = 256
# A few of the passwords people pick first; length does the rest of the work (NIST 800-63B
# asks for a length floor and a block list, not composition rules).
_COMMON = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "qwertyuiop12",
        "qwerty123456",
        "administrator",
        "admin1234567",
        "1q2w3e4r5t6y",
        "iloveyou1234",
        "estation1234",
    }
)


def password_problem(password: str, username: str = "") -> tuple[str, str] | None:
    """Why `password` is too weak, in (zh-CN, English); None when it will do."""
    if len(password) < MIN_LENGTH:
        return (f"密码至少 {MIN_LENGTH} 个字符", f"A password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        return (f"密码最多 {MAX_LENGTH} 个字符", f"A password has at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if len(set(lowered)) < 5:
        return ("密码的字符种类太少", "The password repeats too few different characters")
    if lowered in _COMMON or _is_run(lowered):
        return ("密码太常见", "That password is too common")
    if username and username.lower() in lowered:
        return ("密码不能包含用户名", "The password must not contain the user name")
    return None


# Runs along the digits, the alphabet or the keyboard, wrapping around.
_RUNS = ("0123456789" * 27, "abcdefghijklmnopqrstuvwxyz" * 10, "qwertyuiopasdfghjklzxcvbnm" * 10)


def _is_run(text: str) -> bool:
    """1234567890123..., abcdefgh..., qwertyuiop... or one of them backwards."""
    return any(text in run or text[::-1] in run for run in _RUNS)


class Passwords:
    """Hashes and verifies passwords with argon2id at the configured cost."""

    def __init__(self, config: AuthSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=config.hash_time_cost,
            memory_cost=config.hash_memory_kib,
            parallelism=config.hash_parallelism,
        )
        # Verified against when a name is unknown, so a miss costs what a hit costs; made on
        # first use, so starting the app costs no hash.
        self._decoy: str | None = None

    def hash(self, password: str) -> str:
        """An argon2id PHC string for `password`."""
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when `password` matches `stored`; None (no account) spends the same time."""
        if self._decoy is None:
            self._decoy = self._hasher.hash("no account has this password")
        try:
            return self._hasher.verify(stored or self._decoy, password[:MAX_LENGTH]) and (
                stored is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when `stored` was made with other parameters than today's."""
        return self._hasher.check_needs_rehash(stored)

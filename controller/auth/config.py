"""How staff sign-in behaves: cookie, timeouts, lockout and password hashing cost."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass

SECURE_COOKIES_ENV = "ESTATION_SECURE_COOKIES"


@dataclass(frozen=True)
class AuthSettings:
    """Sign-in policy; the defaults suit a controller behind TLS on an ops network."""

    # Mark the session cookie Secure even when the request arrived over plain http: a TLS
    # proxy in front talks http to us. Requests that arrive over https always get Secure.
    secure_cookies: bool = False
    idle_timeout: dt.timedelta = dt.timedelta(minutes=30)
    absolute_timeout: dt.timedelta = dt.timedelta(hours=12)
    # A pre-session only carries the login form's CSRF token.
    login_form_timeout: dt.timedelta = dt.timedelta(hours=1)
    # Each new login form stores a pre-session row: one address may open this many a minute
    # (a person needs a few; a script opening thousands would fill the table).
    login_forms_per_minute: int = 20
    max_failures: int = 5
    failure_window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    # argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes).
    hash_memory_kib: int = 65536
    hash_time_cost: int = 3
    hash_parallelism: int = 4


def load_auth_settings(
    *, secure_cookies: bool | None = None, environ: Mapping[str, str] | None = None
) -> AuthSettings:
    """The command line's choice over ESTATION_SECURE_COOKIES (1/true/yes) over the default."""
    env = os.environ if environ is None else environ
    if secure_cookies is None:
        secure_cookies = env.get(SECURE_COOKIES_ENV, "").strip().lower() in ("1", "true", "yes")
    return AuthSettings(secure_cookies=secure_cookies)

"""Staff accounts, sessions, roles and the route table; see docs in each module.

- `access`: roles and the one table of who may call which route.
- `guard`: the dependency that enforces it, CSRF, cookies.
- `accounts`, `sessions`, `passwords`: the services behind sign-in.
- `pages`: login, logout, password change, accounts and audit pages.
- `headers`: the security headers every response carries.

Nothing is imported here, so `controller.deps` can import the services without a cycle.
"""

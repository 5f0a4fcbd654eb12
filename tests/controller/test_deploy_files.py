"""The Dockerfile, compose.yaml and Caddyfile agree with the controller and with each other.

No container runs here (the suite needs no Docker daemon and no registry); what can be
checked from the files is: two replicas of one image on one PostgreSQL behind the proxy,
secrets and settings the controller actually reads, the proxy trusted by address, an image
installed from requirements.lock with the controller extra only, as a user who is not root.
Each check returns the problems it finds; a broken copy of each file proves it finds them.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
IMAGE_PORT = 8700
# Names the environment may carry that are not the controller's own settings.
NOT_OURS = {"FORWARDED_ALLOW_IPS"}  # uvicorn's: whom to believe X-Forwarded-* from


def compose_problems(compose: dict[str, Any], caddyfile: str) -> list[str]:
    """What is wrong with a compose file meant to run controller replicas behind a proxy."""
    problems: list[str] = []
    services: dict[str, Any] = compose.get("services", {})
    replicas = {name: s for name, s in services.items() if "controller" in str(s.get("image", ""))}
    if len(replicas) != 2:
        problems.append(f"want two controller replicas, found {sorted(replicas)}")
    if len({s.get("image") for s in replicas.values()}) != 1:
        problems.append("the replicas run different images")
    databases = [n for n, s in services.items() if str(s.get("image", "")).startswith("postgres")]
    urls = {s.get("environment", {}).get("ESTATION_DB_URL", "") for s in replicas.values()}
    if len(urls) != 1 or len(databases) != 1:
        problems.append(f"want one PostgreSQL and one database URL, found {databases}, {urls}")
    elif not re.match(rf"postgresql\+psycopg://[^@]+@{databases[0]}:5432/\w+$", next(iter(urls))):
        problems.append(f"the database URL does not name the {databases[0]} service")
    controller_code = "\n".join(p.read_text("utf-8") for p in (ROOT / "controller").rglob("*.py"))
    proxy = services.get("proxy", {})
    proxy_ips = {
        net.get("ipv4_address")
        for net in (proxy.get("networks") or {}).values()
        if isinstance(proxy.get("networks"), dict) and net
    }
    secrets = compose.get("secrets", {})
    for name, replica in replicas.items():
        env: dict[str, str] = replica.get("environment", {})
        for variable in set(env) - NOT_OURS:
            if f'"{variable}"' not in controller_code:
                problems.append(f"{name}: {variable} is not a setting the controller reads")
        if replica.get("ports"):
            problems.append(f"{name} publishes a port: only the proxy should be reachable")
        key_file = env.get("ESTATION_SEALING_KEY_FILE", "")
        mounted = {f"/run/secrets/{s}" for s in replica.get("secrets", []) if s in secrets}
        if key_file not in mounted:
            problems.append(f"{name}: the sealing key is not one shared secret ({key_file!r})")
        if env.get("FORWARDED_ALLOW_IPS") not in proxy_ips:
            problems.append(f"{name}: trusts forwarded headers from someone else than the proxy")
        if f"{name}:{IMAGE_PORT}" not in caddyfile:
            problems.append(f"the proxy does not send to {name}:{IMAGE_PORT}")
    if not any(str(p).split(":")[-1] == "443" for p in proxy.get("ports", [])):
        problems.append("the proxy does not listen on 443")
    return problems


def dockerfile_problems(dockerfile: str) -> list[str]:
    """What is wrong with the controller's Dockerfile."""
    problems: list[str] = []
    lines = [line.strip() for line in dockerfile.replace("\\\n", " ").splitlines() if line.strip()]
    steps = [line for line in lines if not line.startswith("#")]
    install = [
        n for n, s in enumerate(steps) if re.search(r"pip install .*-c requirements\.lock", s)
    ]
    if not install or '".[controller]"' not in steps[install[0]]:
        problems.append('no `pip install -c requirements.lock ".[controller]"` step')
    users = [(n, s.split()[1]) for n, s in enumerate(steps) if s.startswith("USER ")]
    if not users or users[-1][1] in ("root", "0") or (install and users[-1][0] < install[0]):
        problems.append("the controller does not run as a user of its own after installing")
    if not any(s.startswith("HEALTHCHECK") and "/healthz" in s for s in steps):
        problems.append("no HEALTHCHECK on /healthz")
    copied = {part.rstrip("/") for s in steps if s.startswith("COPY ") for part in s.split()[1:-1]}
    for package in sorted(first_party_imports_of("controller") | {"controller"}):
        if package not in copied:
            problems.append(f"the controller imports {package}, which the image lacks")
    for package in ("kiosk", "drivers", "flows", "provisioning", "devkit"):
        if package in copied:
            problems.append(f"{package} is copied into the controller image")
    if f"EXPOSE {IMAGE_PORT}" not in steps or f'"--port", "{IMAGE_PORT}"' not in dockerfile:
        problems.append(f"the image does not serve on {IMAGE_PORT}")
    return problems


def first_party_imports_of(package: str) -> set[str]:
    """Our top-level packages that `package` imports (found with ast, as the architecture test)."""
    ours = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return (found & ours) - {package}


def _compose() -> dict[str, Any]:
    # Through JSON: the replicas share one YAML anchor, which would stay one shared object.
    loaded: dict[str, Any] = json.loads(
        json.dumps(yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8")))
    )
    return loaded


def _caddyfile() -> str:
    return (ROOT / "deploy" / "Caddyfile").read_text("utf-8")


def test_compose_runs_two_replicas_of_one_image_on_one_database_behind_the_proxy() -> None:
    assert compose_problems(_compose(), _caddyfile()) == []


def test_the_compose_check_finds_a_replica_on_another_image_or_database_or_key() -> None:
    broken = copy.deepcopy(_compose())
    b = broken["services"]["controller-b"]
    b["image"] = "someone-else:latest"
    b["environment"]["ESTATION_DB_URL"] = "sqlite:////var/lib/estation/controller.db"
    b["environment"]["ESTATION_SEALING_KEY_FILE"] = "/var/lib/estation/sealing.key"
    b["environment"]["ESTATION_DB_PASWORD"] = "typo"
    b["environment"]["FORWARDED_ALLOW_IPS"] = "*"
    b["ports"] = ["8700:8700"]
    problems = compose_problems(broken, _caddyfile())
    assert any("two controller replicas" in p for p in problems), problems
    # Put the image back: the other faults are reported on their own.
    b["image"] = broken["services"]["controller-a"]["image"]
    problems = compose_problems(broken, _caddyfile().replace("controller-b:8700", ""))
    for expected in (
        "one PostgreSQL and one database URL",
        "controller-b: the sealing key is not one shared secret",
        "ESTATION_DB_PASWORD is not a setting",
        "controller-b: trusts forwarded headers",
        "controller-b publishes a port",
        "the proxy does not send to controller-b:8700",
    ):
        assert any(expected in p for p in problems), (expected, problems)


def test_the_dockerfile_installs_the_controller_extra_from_the_lock_as_a_plain_user() -> None:
    assert dockerfile_problems((ROOT / "Dockerfile").read_text("utf-8")) == []


def test_the_dockerfile_check_finds_an_unpinned_install_root_and_a_missing_package() -> None:
    original = (ROOT / "Dockerfile").read_text("utf-8")
    unpinned = original.replace("-c requirements.lock ", "")
    assert any("requirements.lock" in p for p in dockerfile_problems(unpinned))
    as_root = original + "\nUSER root\n"
    assert any("user of its own" in p for p in dockerfile_problems(as_root))
    without_wire = original.replace("COPY wire/ wire/\n", "")
    assert "the controller imports wire, which the image lacks" in dockerfile_problems(without_wire)
    with_kiosk = original.replace("COPY wire/ wire/", "COPY wire/ wire/\nCOPY kiosk/ kiosk/")
    assert "kiosk is copied into the controller image" in dockerfile_problems(with_kiosk)


def test_the_build_context_leaves_out_local_state_and_secrets() -> None:
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    for path in (".venv", "var", "secrets", ".git"):
        assert path in ignored
    assert "/secrets/" in (ROOT / ".gitignore").read_text("utf-8").split()

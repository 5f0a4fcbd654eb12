"""Reading a module's imports for the checker (checker.py): stdlib `ast`, no import executed.

Every import counts wherever it is written (module level, function bodies,
`if TYPE_CHECKING:` blocks), relative imports are resolved to absolute names first, and
`importlib.import_module(...)` / `__import__(...)` are imports too. A package's lazy table is
read as the imports it makes: `lazy_exports(__name__, _HOME)` (pii/lazy.py, the one PEP 562
hook), in a file whose module-level `_HOME` is a dict literal of string values, imports each
of those values, each written on its line of the table. The computed import inside
`lazy_exports` itself is the one not read as the table's: its every caller's table is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# The lazy table's hook: (its file, its function, the module it is imported from).
LAZY_HOOK = ("pii/lazy.py", "lazy_exports", "pii.lazy")


@dataclass(frozen=True)
class Import:
    """One import in a module: where, what it names in absolute form, and how it was written."""

    line: int
    target: str  # "" when it cannot be known: a computed name, a relative climb too high
    module: str  # the module part of target: "a.b" of `from a.b import c`
    written: str
    kind: str = "static"  # or "relative", "dynamic"


def module_name(relpath: str) -> str:
    """The dotted module name of a file given relative to the repository root."""
    parts = relpath.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def under(name: str, prefix: str) -> bool:
    """Whether module `name` is `prefix` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def imports_of(source: str, relpath: str = "module.py") -> list[Import]:
    """Every import in a module's source, relative ones resolved against `relpath`."""
    tree = ast.parse(source, relpath)
    package = module_name(relpath).split(".")
    if not relpath.endswith("__init__.py"):
        package.pop()
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, a.name, a.name, f"import {a.name}") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += _from_import(node, package)
    return found + _dynamic_imports(tree, relpath)


def _from_import(node: ast.ImportFrom, package: list[str]) -> list[Import]:
    module = node.module or ""
    dots = "." * node.level
    kind = "relative" if node.level else "static"
    if node.level:
        keep = len(package) - (node.level - 1)
        absolute = ".".join([*package[:keep], *([module] if module else [])]) if keep > 0 else ""
        module = absolute
    # `from wire import vocabulary` imports the module wire.vocabulary: keep the name, so a
    # rule on a module sees it; a class or function name only lengthens the prefix
    return [
        Import(
            node.lineno,
            module and (module if a.name == "*" else f"{module}.{a.name}"),
            module or f"{dots}{node.module or ''}",
            f"from {dots}{node.module or ''} import {a.name}",
            kind,
        )
        for a in node.names
    ]


def _lazy_table(tree: ast.Module) -> dict[str, int] | None:
    """The modules a literal `_HOME = {name: "module", ...}` names, with the line of each;
    None when the file has no such table (or one with a value that is not a string)."""
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if not (isinstance(target, ast.Name) and target.id == "_HOME"):
            continue
        if not isinstance(value, ast.Dict):
            return None
        homes: dict[str, int] = {}
        for item in value.values:
            if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
                return None
            homes.setdefault(item.value, item.lineno)
        return homes
    return None


def _hook_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names this module calls the lazy hook by, and those it calls its module by."""
    _file, function, module = LAZY_HOOK
    names: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == module and not node.level:
            names |= {a.asname or a.name for a in node.names if a.name == function}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == module}
    return names, modules


def _is_hook_call(node: ast.Call, names: set[str], modules: set[str]) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in names
    return (
        isinstance(func, ast.Attribute)
        and func.attr == LAZY_HOOK[1]
        and ast.unparse(func.value) in modules
    )


def _inside_the_hook(tree: ast.Module, relpath: str) -> set[int]:
    """The ids of the calls inside the lazy hook's own function (in its file only)."""
    file, function, _module = LAZY_HOOK
    if relpath != file:
        return set()
    return {
        id(node)
        for definition in tree.body
        if isinstance(definition, ast.FunctionDef) and definition.name == function
        for node in ast.walk(definition)
        if isinstance(node, ast.Call)
    }


def _dynamic_imports(tree: ast.Module, relpath: str) -> list[Import]:
    table, hook = _lazy_table(tree), _inside_the_hook(tree, relpath)
    hook_names, hook_modules = _hook_names(tree)
    loaders = {"__import__"}  # names that call importlib.import_module or __import__
    modules = {"importlib", "builtins"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name == "importlib" and a.asname}
        elif isinstance(node, ast.ImportFrom) and node.module in ("importlib", "builtins"):
            loaders |= {
                a.asname or a.name for a in node.names if a.name in ("import_module", "__import__")
            }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _is_hook_call(node, hook_names, hook_modules):
            found += _lazy_imports(node, table)
            continue
        func = node.func
        is_loader = (isinstance(func, ast.Name) and func.id in loaders) or (
            isinstance(func, ast.Attribute)
            and func.attr in ("import_module", "__import__")
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        )
        if not is_loader or id(node) in hook:
            continue
        arg = node.args[0] if node.args else None
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            written = f"{ast.unparse(func)}({arg.value!r})"
            found.append(Import(node.lineno, arg.value, arg.value, written, "dynamic"))
        else:
            written = ast.unparse(node)
            found.append(Import(node.lineno, "", "a computed name", written, "dynamic"))
    return found


def _lazy_imports(call: ast.Call, table: dict[str, int] | None) -> list[Import]:
    """The imports a call of the lazy hook makes: its literal `_HOME` table's modules, each
    on its table line; one computed import when it is handed anything else."""
    homes = call.args[1] if len(call.args) == 2 else None
    if table is None or not (isinstance(homes, ast.Name) and homes.id == "_HOME"):
        return [Import(call.lineno, "", "a computed name", ast.unparse(call), "dynamic")]
    return [
        Import(line, home, home, f"_HOME: {home!r}, through {ast.unparse(call)}")
        for home, line in table.items()
    ]

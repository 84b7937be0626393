"""ARCHITECTURE.md stays true where a machine can check it cheaply.

* Every path in the package tree (the first ``text`` block under "## The
  packages") exists.
* Every ``.py`` module of ``bitable_async/`` and ``cache_backends/`` is named
  in the tree, or lies under a named package whose description says
  "one module per ...".
* Only the places listed as "aiohttp importers" import aiohttp, and each only
  the aiohttp module it is listed with (``aiohttp.web`` for the emulator).
* No cycle among module-level imports (``TYPE_CHECKING`` blocks and imports
  inside functions are not module-level).

Tree format: a path entry's first token ends in ``/`` (a directory) or a file
suffix and is indented by two spaces per level, less than 20 columns; any line
indented further continues the description of the entry above it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
PACKAGES = ("bitable_async", "cache_backends")
COVERS = "one module per"

_ENTRY = re.compile(r"^[\w.\-]+(/|\.py|\.typed|\.md|\.toml)$")
_IMPORTER = re.compile(r"^- `([^`]+)` imports `(aiohttp[\w.]*)`", re.M)


def _tree_block() -> str:
    section = DOC.split("## The packages", 1)[1]
    match = re.search(r"```text\n(.*?)```", section, re.S)
    assert match, "ARCHITECTURE.md: no ```text block under '## The packages'"
    return match.group(1)


def _tree() -> dict[str, str]:
    """Path (``dir/`` for directories) -> its description, continuation lines included."""
    entries: dict[str, str] = {}
    parents: list[str] = []
    last: str | None = None
    for line in _tree_block().splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        name, _, description = line.strip().partition(" ")
        if indent >= 20 or not _ENTRY.match(name):
            assert last is not None, f"continuation before any entry: {line!r}"
            entries[last] += " " + line.strip()
            continue
        assert indent % 2 == 0, f"odd indentation in the tree: {line!r}"
        depth = indent // 2
        assert depth <= len(parents), f"entry deeper than its parent: {line!r}"
        del parents[depth:]
        last = "".join(parents) + name
        entries[last] = description.strip()
        if name.endswith("/"):
            parents.append(name)
    return entries


def _modules() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_path_in_the_tree_exists() -> None:
    missing = [
        entry
        for entry in _tree()
        if not ((ROOT / entry).is_dir() if entry.endswith("/") else (ROOT / entry).is_file())
    ]
    assert not missing, f"ARCHITECTURE.md names paths that do not exist: {missing}"


def test_every_module_is_in_the_tree() -> None:
    tree = _tree()
    covering = [entry for entry, text in tree.items() if entry.endswith("/") and COVERS in text]
    unnamed = [
        rel
        for rel in map(_rel, _modules())
        if rel not in tree and not any(rel.startswith(package) for package in covering)
    ]
    assert not unnamed, (
        f"modules missing from ARCHITECTURE.md's package tree: {unnamed} "
        f"(name them, or describe their package with '{COVERS} ...')"
    )


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement, with whether it runs at module import time."""

    def walk(node: ast.AST, top: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, top
            inner = top
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = False
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from walk_if(child, top)
                continue
            yield from walk(child, inner)

    def walk_if(node: ast.If, top: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in node.body:
            yield from walk(ast.Module(body=[child], type_ignores=[]), False)
        for child in node.orelse:
            yield from walk(ast.Module(body=[child], type_ignores=[]), top)

    yield from walk(tree, True)


def _imported_names(node: ast.Import | ast.ImportFrom, module: str, is_pkg: bool) -> list[str]:
    """Absolute dotted names an import statement refers to (``from a import b`` -> ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base_parts = module.split(".") if is_pkg else module.split(".")[:-1]
        base_parts = base_parts[: len(base_parts) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [f"{base}.{alias.name}" for alias in node.names]


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts.pop()
    return ".".join(parts), is_pkg


def test_only_the_listed_modules_import_aiohttp() -> None:
    allowed = _IMPORTER.findall(DOC)
    assert allowed, "ARCHITECTURE.md lists no aiohttp importers"
    for where, _ in allowed:
        assert (ROOT / where).exists(), f"listed aiohttp importer {where} does not exist"
    wrong = []
    for path in _modules():
        module, is_pkg = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, _top in _imports(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            for name in _imported_names(node, module, is_pkg):
                if name != "aiohttp" and not name.startswith("aiohttp."):
                    continue
                rel = _rel(path)
                ok = any(
                    (rel == where or (where.endswith("/") and rel.startswith(where)))
                    and (name == what or name.startswith(what + "."))
                    for where, what in allowed
                )
                if not ok:
                    wrong.append(f"{rel}: {name}")
    assert not wrong, f"aiohttp imported where ARCHITECTURE.md does not say so: {wrong}"


def test_no_module_level_import_cycle() -> None:
    modules = {_module_name(path)[0]: path for path in _modules()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        for node, top in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if not top:
                continue
            names = _imported_names(node, name, is_pkg)
            if isinstance(node, ast.ImportFrom):
                # ``from pkg import sub`` depends on pkg.sub; pkg itself only for other names.
                subs = [n for n in names if n in modules]
                if len(subs) < len(names):
                    subs.append(names[0].rsplit(".", 1)[0])
                names = subs
            for target in names:
                parts = target.split(".")
                while parts and ".".join(parts) not in modules:
                    parts.pop()
                if parts and ".".join(parts) != name:
                    graph[name].add(".".join(parts))

    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(current: str) -> None:
        state[current] = 1
        stack.append(current)
        for nxt in sorted(graph[current]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[current] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start)
    assert not cycles, f"module-level import cycles: {[' -> '.join(c) for c in cycles]}"


def test_the_tree_parser_reads_nesting_and_continuations() -> None:
    tree = _tree()
    # Nested entries get their full path; a continuation line joins its entry.
    assert "bitable_async/writing/lane.py" in tree
    assert "bitable_async/emulator/routes_records.py" in tree
    assert "cache_backends/redis_lease.py" in tree
    assert "pyproject.toml" in tree
    assert COVERS in tree["bitable_async/resources/"]
    assert "attachments" in tree["bitable_async/resources/"]  # from its second line

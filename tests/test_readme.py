"""Every code block of README.md is checked, so the README cannot rot.

Python blocks run in order, in one namespace, with top-level ``await``, against
an in-process emulator seeded with the demo base and a real Redis server. A
block that defines ``test_*`` functions has them called with the emulator as
the ``bitable_emulator`` fixture. Shell blocks are checked against the project:
the set-up commands name extras that exist and the test command is the one
``.ci/run`` runs; every ``bitable-async`` / ``python -m`` command names a
subcommand or module that exists and accepts the flags shown.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import re
import shlex
import subprocess
import sys
import types

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(README) if kind == lang]


def test_the_first_screen_holds_the_two_commands() -> None:
    first = _blocks("bash")[0]
    commands = [line for line in first.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("bitable-async demo")
    assert commands[1].endswith("python -m pytest -q")
    # The README's test command is the one CI runs.
    assert "python -m pytest -q" in (ROOT / ".ci" / "run").read_text()
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for command in commands:
        for spec in re.findall(r"\.\[([\w,]+)\]", command):
            for extra in spec.split(","):
                assert extra in extras, f"README names extra {extra!r} that pyproject lacks"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "bitable-async" in scripts


def _shell_commands() -> list[list[str]]:
    out = []
    for block in _blocks("bash")[1:]:
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#") and not line.startswith("curl"):
                out.append(shlex.split(line))
    return out


@pytest.mark.parametrize("argv", _shell_commands(), ids=lambda a: " ".join(a[:3]))
def test_shell_commands_name_real_commands_and_flags(argv: list[str]) -> None:
    if argv[0] == "python":
        cmd = [sys.executable, *argv[1:3], "--help"]
        flags = argv[3:]
    else:
        assert argv[0] == "bitable-async"
        cmd = [sys.executable, "-m", "bitable_async.cli", argv[1], "--help"]
        flags = argv[2:]
    help_text = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
    for flag in flags:
        if flag.startswith("--"):
            assert flag in help_text, f"{' '.join(argv)}: {flag} is not an option"


PRINT_COMMENT = re.compile(r"^\s*print\(.*\)\s+# (.*)$")


def _expected_output(source: str) -> list[str]:
    """The ``# comment`` after each ``print(...)`` line: what the line prints."""
    return [m.group(1).rstrip() for line in source.splitlines() if (m := PRINT_COMMENT.match(line))]


def _matches(pattern: str, line: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("..."))
    return re.fullmatch(regex, line.rstrip()) is not None


async def _run_block(source: str, namespace: dict[str, Any]) -> list[str]:
    """Run one block; return what it printed, line by line."""
    code = compile(source, "<README>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = eval(code, namespace)
        if inspect.iscoroutine(result):
            await result
    return out.getvalue().splitlines()


def test_expected_output_comments_are_parsed() -> None:
    assert _expected_output('x = 1\nprint(x)  # 1\n  print(a, b)   # rec... 3\n') == [
        "1",
        "rec... 3",
    ]
    assert _matches("rec... 3", "recAbC 3")
    assert not _matches("rec... 3", "recAbC 4")


@pytest.mark.asyncio
async def test_python_blocks_run_against_the_emulator(redis_url: str) -> None:
    from bitable_async.emulator import Emulator, EmulatorConfig

    async with Emulator(EmulatorConfig()) as emu:
        # A real module, as user code would be: record models resolve their
        # annotations through sys.modules.
        module = types.ModuleType("readme_blocks")
        sys.modules[module.__name__] = module
        namespace: dict[str, Any] = module.__dict__
        namespace.update({
            "APP_ID": emu.app_id,
            "APP_SECRET": emu.app_secret,
            "BASE_URL": emu.base_url,
            "APP_TOKEN": emu.app_token,
            "TABLE_ID": emu.table_id,
            "REDIS_URL": redis_url,
        })
        blocks = _blocks("python")
        assert len(blocks) >= 8
        for index, block in enumerate(blocks):
            before = set(namespace)
            try:
                printed = await _run_block(block, namespace)
            except Exception as exc:  # pragma: no cover - the message is the point
                raise AssertionError(f"README python block {index} failed: {exc!r}") from exc
            expected = _expected_output(block)
            assert len(printed) == len(expected), (index, printed, expected)
            for want, got in zip(expected, printed, strict=True):
                assert _matches(want, got), f"README block {index}: printed {got!r}, says {want!r}"
            for name in set(namespace) - before:
                if name.startswith("test_") and inspect.iscoroutinefunction(namespace[name]):
                    await namespace[name](emu)
        assert emu.stats()["total"]["conflicts"] == 0


# Distributions the test suite may import, by import name -> the requirement
# (runtime or `test` extra) that provides it.
_PROVIDED_BY = {
    "aiohttp": "aiohttp",
    "yarl": "aiohttp",
    "msgspec": "msgspec",
    "anyio": "anyio",
    "pytest": "pytest",
    "pytest_asyncio": "pytest-asyncio",
    "aioresponses": "aioresponses",
    "hypothesis": "hypothesis",
    "redis": "redis",
    "lark_oapi": "lark-oapi",
    "click": "click",
    "rich": "rich",
    "yaml": "pyyaml",
    "typing_extensions": "typing_extensions",
    "tomli": "tomli",
}


def test_the_test_extra_covers_every_import_of_the_test_suite() -> None:
    """Command 2 installs `.[redis,test]`: that must be enough to collect every test."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    names += project["optional-dependencies"]["redis"]
    installed = {re.split(r"[<>=;\[ ]", req, maxsplit=1)[0].lower() for req in names}
    local = {p.stem for p in (ROOT / "tests").rglob("*.py")} | {
        "bitable_async",
        "cache_backends",
        "benchmarks",
        "tests",
    }
    missing = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            else:
                continue
            for mod in mods:
                top = mod.split(".")[0]
                if top in sys.stdlib_module_names or top in local:
                    continue
                provider = _PROVIDED_BY.get(top)
                if provider is None or provider.lower() not in installed:
                    missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported by tests but not installed by `.[redis,test]`: {missing}"

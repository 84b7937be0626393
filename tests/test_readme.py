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
import inspect
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


async def _run_block(source: str, namespace: dict[str, Any]) -> None:
    code = compile(source, "<README>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)
    if inspect.iscoroutine(result):
        await result


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
                await _run_block(block, namespace)
            except Exception as exc:  # pragma: no cover - the message is the point
                raise AssertionError(f"README python block {index} failed: {exc!r}") from exc
            for name in set(namespace) - before:
                if name.startswith("test_") and inspect.iscoroutinefunction(namespace[name]):
                    await namespace[name](emu)
        assert emu.stats()["total"]["conflicts"] == 0

"""The emulator is an independent oracle: running it loads none of the SDK.

The emulator implements the server from the spec; if it shared the SDK's
transport or value codecs, a bug in them could hide on both sides of the wire.
So importing or running it (in process, ``python -m bitable_async.emulator``,
``bitable-async emulator``, the pytest plugin's fixture) must leave no
``bitable_async.*`` module outside ``bitable_async.emulator`` in the process.
That rests on ``bitable_async/__init__.py`` resolving its public names lazily,
which is checked here too: every name still resolves, ``import *`` still works,
and the ``TYPE_CHECKING`` imports (what mypy and IDEs see) match the runtime map.
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import bitable_async

PACKAGE = Path(bitable_async.__file__).parent
EMULATOR = PACKAGE / "emulator"
TIMEOUT = 60


def _foreign(modules: list[str] | set[str]) -> list[str]:
    """SDK modules outside the emulator package (the package ``bitable_async`` itself is fine)."""
    return sorted(
        m
        for m in modules
        if m.startswith("bitable_async.")
        and m != "bitable_async.emulator"
        and not m.startswith("bitable_async.emulator.")
    )


def _run(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def _call(base_url: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url + path, data, headers, method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _exercise(info: dict[str, Any]) -> None:
    """Token, write, filtered list and search: the handlers' code paths run at least once."""
    base = info["base_url"]
    token = _call(
        base,
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        {"app_id": info["app_id"], "app_secret": info["app_secret"]},
    )["tenant_access_token"]
    records = f"/open-apis/bitable/v1/apps/{info['app_token']}/tables/{info['table_id']}/records"
    created = _call(base, "POST", records, {"fields": {"Name": "independent"}}, token)
    assert created["code"] == 0, created
    query = urllib.parse.urlencode({"filter": 'CurrentValue.[Name]="independent"'})
    listed = _call(base, "GET", f"{records}?{query}", token=token)
    assert listed["code"] == 0, listed
    assert [r["fields"]["Name"] for r in listed["data"]["items"]] == ["independent"]
    condition = {"field_name": "Name", "operator": "is", "value": ["independent"]}
    searched = _call(
        base,
        "POST",
        f"{records}/search",
        {"filter": {"conjunction": "and", "conditions": [condition]}},
        token,
    )
    assert searched["code"] == 0, searched
    assert searched["data"]["total"] == 1


_EXERCISE_SOURCE = inspect.getsource(_call) + "\n\n" + inspect.getsource(_exercise)
"""``_call`` and ``_exercise`` as source, to run them inside the subprocesses too."""


# ---- running the emulator ------------------------------------------------------------


def test_importing_and_running_the_emulator_in_process_loads_no_sdk_module() -> None:
    code = (
        "from __future__ import annotations\n"
        "import json, pkgutil, sys, urllib.parse, urllib.request\n"
        "from typing import Any\n"
        "import bitable_async.emulator\n"
        "from bitable_async.emulator import *\n"
        "for mod in pkgutil.walk_packages(bitable_async.emulator.__path__,\n"
        "                                 'bitable_async.emulator.'):\n"
        "    __import__(mod.name)\n"
        f"{_EXERCISE_SOURCE}\n"
        "emu = EmulatorThread(EmulatorConfig(seed_apps=[demo_seed()],\n"
        "                                    rate_limits_enabled=False)).start()\n"
        "try:\n"
        "    _exercise({'base_url': emu.base_url, 'app_id': emu.app_id,\n"
        "               'app_secret': emu.app_secret, 'app_token': emu.app_token,\n"
        "               'table_id': emu.table_id})\n"
        "finally:\n"
        "    emu.stop()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    modules = json.loads(_run(code).stdout)
    assert "bitable_async.emulator.server" in modules
    assert "bitable_async.emulator.pytest_plugin" in modules
    assert _foreign(modules) == [], f"SDK modules loaded by the emulator: {_foreign(modules)}"


def _loaded_by(entry: str, tmp_path: Path) -> list[str]:
    """Run an emulator command line in a subprocess, use it, stop it.

    The process gets SIGTERM once it has served real requests; its handler writes
    ``sys.modules`` to a file. (``-X importtime`` would not do: it does not log
    modules loaded through ``importlib.import_module``, which lazy imports use.)

    Args:
        entry: code running the command line, as its console script or ``-m`` would.
        tmp_path: where the module list is written.

    Returns:
        the names of every module loaded in the process.
    """
    dump = tmp_path / "modules.json"
    code = (
        "import json, os, signal, sys\n"
        "def dump(signum, frame):\n"
        f"    with open({str(dump)!r}, 'w') as f:\n"
        "        json.dump(sorted(sys.modules), f)\n"
        "    os._exit(0)\n"
        "signal.signal(signal.SIGTERM, dump)\n"
        f"{entry}\n"
    )
    flags = ["--port", "0", "--json", "--no-rate-limits"]
    proc = subprocess.Popen([sys.executable, "-c", code, *flags], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "the emulator exited before it was ready"
        _exercise(json.loads(line))
    finally:
        proc.terminate()
        proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    modules: list[str] = json.loads(dump.read_text())
    assert "bitable_async.emulator.server" in modules
    return modules


def test_python_m_runner_loads_no_sdk_module(tmp_path: Path) -> None:
    # What ``python -m bitable_async.emulator ...`` does.
    entry = (
        "import runpy\n"
        "sys.argv[0] = 'bitable_async.emulator'\n"
        "runpy.run_module('bitable_async.emulator', run_name='__main__', alter_sys=True)"
    )
    modules = _loaded_by(entry, tmp_path)
    assert _foreign(modules) == [], f"SDK modules loaded by the runner: {_foreign(modules)}"


def test_cli_emulator_subcommand_loads_no_sdk_module_but_its_own_glue(tmp_path: Path) -> None:
    # What the console script (entry point bitable_async.cli:main) does.
    entry = "from bitable_async.cli import main\nmain(['emulator', *sys.argv[1:]])"
    modules = _loaded_by(entry, tmp_path)
    # The command line's entry point, its group and the emulator command import only
    # click and the emulator; the other subcommands (which use the client) stay unloaded.
    glue = ["bitable_async.cli", "bitable_async.cli.app", "bitable_async.cli.emulator"]
    assert _foreign(modules) == glue, f"SDK modules loaded by the CLI: {_foreign(modules)}"


def test_pytest_plugin_fixture_loads_no_sdk_module(tmp_path: Path) -> None:
    # A test session of its own, outside this suite (whose conftest imports the SDK):
    # only the entry-point plugin and its ``bitable_emulator`` fixture are in play.
    test_file = tmp_path / "test_plugin_only.py"
    test_file.write_text(
        "from __future__ import annotations\n"
        "import json, sys, urllib.parse, urllib.request\n"
        "from typing import Any\n"
        f"{_EXERCISE_SOURCE}\n"
        "def test_fixture(bitable_emulator: Any) -> None:\n"
        "    emu = bitable_emulator\n"
        "    _exercise({'base_url': emu.base_url, 'app_id': emu.app_id,\n"
        "               'app_secret': emu.app_secret, 'app_token': emu.app_token,\n"
        "               'table_id': emu.table_id})\n"
        "    leaked = sorted(m for m in sys.modules if m.startswith('bitable_async.')\n"
        "                    and not m.startswith('bitable_async.emulator'))\n"
        "    assert leaked == [], leaked\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


# ---- the emulator's source ------------------------------------------------------------


def _is_sdk(module: str) -> bool:
    """``bitable_async`` or one of its modules, outside the emulator package."""
    inside = module == "bitable_async.emulator" or module.startswith("bitable_async.emulator.")
    return (module == "bitable_async" or module.startswith("bitable_async.")) and not inside


def _sdk_imports(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """Imports in one emulator file that resolve to ``bitable_async.*`` outside the emulator.

    Args:
        path: the file.
        root: the directory holding the ``bitable_async`` package (relative imports
            resolve against the file's place under it).

    Returns:
        ``file:line: module`` for every offending import.
    """
    package = list(path.relative_to(root).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # ``from bitable_async import x``: x may be a submodule or an SDK name;
            # judge ``bitable_async.x``, and the module itself unless it is the root.
            targets = [f"{module}.{alias.name}" for alias in node.names]
            if module != "bitable_async":
                targets.append(module)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in ("import_module", "__import__") and isinstance(first, ast.Constant):
                targets = [str(first.value)]
        found += [
            f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}: {target}"
            for target in targets
            if _is_sdk(target)
        ]
    return found


def test_no_emulator_file_imports_the_sdk() -> None:
    files = sorted(EMULATOR.rglob("*.py"))
    assert len(files) > 20
    offending = [hit for path in files for hit in _sdk_imports(path)]
    assert offending == [], "emulator files importing the SDK:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("from bitable_async._transport import Transport\n", True),
        ("import bitable_async.values.types\n", True),
        ("from bitable_async import errors\n", True),
        ("from ..values import RecordCodec\n", True),
        ("from .. import client\n", True),
        ("import importlib\nimportlib.import_module('bitable_async.client')\n", True),
        ("from .config import EmulatorConfig\n", False),
        ("from bitable_async.emulator.server import Emulator\n", False),
        ("from bitable_async import emulator\n", False),
        ("import aiohttp.web\n", False),
    ],
)
def test_the_static_check_sees_every_import_form(tmp_path: Path, source: str, bad: bool) -> None:
    # A file placed as if inside bitable_async/emulator, so relative imports resolve the same.
    folder = tmp_path / "bitable_async" / "emulator"
    folder.mkdir(parents=True)
    path = folder / "probe.py"
    path.write_text(source)
    assert bool(_sdk_imports(path, tmp_path)) is bad


# ---- the lazy package ------------------------------------------------------------------


def test_import_bitable_async_alone_loads_no_submodule_nor_aiohttp() -> None:
    code = (
        "import json, sys\n"
        "import bitable_async\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "                        if m.startswith(('bitable_async', 'aiohttp')))))\n"
    )
    loaded = json.loads(_run(code).stdout)
    assert "bitable_async._transport" not in loaded
    assert loaded == ["bitable_async"]


def test_every_public_name_resolves_lazily_to_its_definition() -> None:
    code = (
        "import importlib, json, bitable_async\n"
        "out = {}\n"
        "for name in bitable_async.__all__:\n"
        "    value = getattr(bitable_async, name)\n"
        "    origin = bitable_async._ORIGIN.get(name)\n"
        "    same = origin is None or value is getattr(importlib.import_module(origin), name)\n"
        "    out[name] = [type(value).__name__, same, name in vars(bitable_async)]\n"
        "print(json.dumps(out))\n"
    )
    resolved = json.loads(_run(code).stdout)
    assert sorted(resolved) == sorted(bitable_async.__all__)
    assert len(set(bitable_async.__all__)) == len(bitable_async.__all__)
    for name, (_, same, cached) in resolved.items():
        assert same, name
        assert cached, f"{name} is not cached on the package after first use"
    assert resolved["__version__"][0] == "str"
    assert resolved["BitableClient"][0] == "type"


def test_star_import_gives_every_public_name() -> None:
    code = (
        "import json\n"
        "namespace = {}\n"
        "exec('from bitable_async import *', namespace)\n"
        "from bitable_async import BitableClient, bulk_insert, F\n"
        "from bitable_async.client import BitableClient as direct\n"
        "assert BitableClient is direct is namespace['BitableClient']\n"
        "print(json.dumps(sorted(n for n in namespace if n != '__builtins__')))\n"
    )
    names = json.loads(_run(code).stdout)
    assert names == sorted(bitable_async.__all__)


def test_type_checking_imports_match_the_runtime_map() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    seen: dict[str, str] = {}
    for node in guarded.body:
        assert isinstance(node, ast.ImportFrom)
        assert node.module
        for alias in node.names:
            assert alias.asname is None
            seen[alias.name] = node.module
    assert seen == bitable_async._ORIGIN
    assert set(seen) | {"__version__"} == set(bitable_async.__all__)
    # Nothing is imported eagerly at run time but the lazy machinery itself.
    eager = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.split(".")[0] == "bitable_async"
    ]
    assert eager == []


def test_dir_lists_the_public_names_and_unknown_names_fail() -> None:
    assert set(bitable_async.__all__) <= set(dir(bitable_async))
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        _ = bitable_async.NoSuchName
    assert not hasattr(bitable_async, "no_such_submodule")


def test_submodules_stay_reachable_as_attributes() -> None:
    # Before the lazy package, ``import bitable_async`` loaded most submodules as a
    # side effect, so ``bitable_async.errors.X`` worked without importing errors.
    code = (
        "import bitable_async\n"
        "from bitable_async.errors import NotFoundError\n"
        "assert bitable_async.errors.NotFoundError is NotFoundError\n"
        "assert bitable_async.filters.F is bitable_async.F\n"
    )
    _run(code)

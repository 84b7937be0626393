"""The pytest plugin fixture (entry point), the thread runner and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from typing import Any

import aiohttp
import pytest

from bitable_async.emulator import EmulatorProcess, EmulatorThread
from bitable_async.emulator.config import DEFAULT_APP_SECRET


def _post(url: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _roundtrip(base_url: str, app_id: str, secret: str, app_token: str, table_id: str) -> Any:
    token = _post(base_url + "/open-apis/auth/v3/tenant_access_token/internal",
                  {"app_id": app_id, "app_secret": secret})["tenant_access_token"]
    path = f"/open-apis/bitable/v1/apps/{app_token}/tables/{table_id}/records"
    return _post(base_url + path, {"fields": {"Name": "from a blocking client"}}, token)


def test_plugin_fixture_is_registered(bitable_emulator: EmulatorThread) -> None:
    reply = _roundtrip(bitable_emulator.base_url, bitable_emulator.app_id,
                       bitable_emulator.app_secret, bitable_emulator.app_token,
                       bitable_emulator.table_id)
    assert reply["code"] == 0
    stats = bitable_emulator.stats()
    assert stats["records_stored"][bitable_emulator.table_id] == 1
    assert stats["total"]["conflicts"] == 0


@pytest.mark.asyncio
async def test_plugin_fixture_from_an_async_test(bitable_emulator: EmulatorThread) -> None:
    async with aiohttp.ClientSession() as s, s.post(
            bitable_emulator.base_url + "/open-apis/auth/v3/tenant_access_token/internal",
            json={"app_id": bitable_emulator.app_id,
                  "app_secret": bitable_emulator.app_secret}) as resp:
        assert (await resp.json())["code"] == 0
    bitable_emulator.configure(write_service_time=0.0)
    bitable_emulator.reset(stats=True)
    assert bitable_emulator.stats()["total"]["requests"] == 0


def test_command_line_process(tmp_path: Any) -> None:
    seed = {"apps": [{"app_id": "cli_file", "app_secret": "file-secret"}],
            "bases": [{"name": "B", "app_token": "basFromFile", "tables": [
                {"name": "People", "table_id": "tblPeople", "fields": [
                    {"name": "Name", "type": 1}, {"name": "Age", "type": 2}],
                 "records": [{"Name": "Ada", "Age": 36}]}]}]}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with EmulatorProcess("--seed-file", str(path), "--no-rate-limits") as proc:
        assert proc.info["app_id"] == "cli_file"
        assert proc.info["app_token"] == "basFromFile"
        reply = _roundtrip(proc.base_url, "cli_file", "file-secret", "basFromFile", "tblPeople")
        assert reply["code"] == 0
        assert proc.stats()["records_stored"]["tblPeople"] == 2


def _banner(*args: str) -> str:
    """Start the command line, return its banner (up to the stats line), stop it."""
    cmd = [sys.executable, "-m", "bitable_async.emulator", "--port", "0", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        if "--json" in args:
            return proc.stdout.readline()
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.lstrip().startswith("stats"):
                break
        return "".join(lines)
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_banner_masks_a_secret_passed_on_the_command_line() -> None:
    secret = "my-own-secret-42"
    shown = _banner("--app-id", "cli_mine", "--app-secret", secret)
    assert "cli_mine" in shown
    assert secret not in shown
    assert "app_secret ******** (as passed with --app-secret)" in shown
    info = json.loads(_banner("--json", "--app-id", "cli_mine", "--app-secret", secret))
    assert info["app_secret"] == "********"
    assert info["app_secret_masked"] is True
    assert secret not in json.dumps(info)


def test_banner_prints_the_generated_secret() -> None:
    # The default secret is the emulator's own fake credential: users need it to connect.
    shown = _banner()
    assert f"app_secret {DEFAULT_APP_SECRET}\n" in shown
    assert "********" not in shown


def test_process_runner_gets_the_passed_secret_from_its_ready_file() -> None:
    with EmulatorProcess("--app-id", "cli_proc", "--app-secret", "proc-secret-7",
                         "--no-rate-limits") as proc:
        assert proc.info["app_id"] == "cli_proc"
        assert proc.info["app_secret"] == "proc-secret-7"
        ready_dir = proc._dir
        assert ready_dir is not None
        assert os.path.isdir(ready_dir)
        reply = _roundtrip(proc.base_url, "cli_proc", proc.info["app_secret"],
                           proc.info["app_token"], proc.info["table_id"])
        assert reply["code"] == 0
    assert not os.path.exists(ready_dir)

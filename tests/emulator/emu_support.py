"""Raw HTTP helpers for the emulator's own tests (plain aiohttp over 127.0.0.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from bitable_async.emulator import Emulator


@dataclass
class Reply:
    """One HTTP answer."""

    status: int
    body: Any
    headers: Any

    @property
    def code(self) -> int:
        """The envelope code."""
        return int(self.body["code"])

    @property
    def data(self) -> Any:
        """The envelope data."""
        return self.body["data"]


class Client:
    """A tiny raw client: fetches a tenant token and sends JSON calls."""

    def __init__(self, emu: Emulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session
        self.token = ""

    @property
    def app(self) -> str:
        return f"/open-apis/bitable/v1/apps/{self.emu.app_token}"

    @property
    def records(self) -> str:
        return f"{self.app}/tables/{self.emu.table_id}/records"

    async def login(self) -> str:
        reply = await self.call("POST", "/open-apis/auth/v3/tenant_access_token/internal",
                                json={"app_id": self.emu.app_id,
                                      "app_secret": self.emu.app_secret}, auth=False)
        self.token = reply.body["tenant_access_token"]
        return self.token

    async def call(self, method: str, path: str, *, auth: bool = True,
                   headers: dict[str, str] | None = None, **kw: Any) -> Reply:
        hdrs = dict(headers or {})
        if auth and self.token and "Authorization" not in hdrs:
            hdrs["Authorization"] = f"Bearer {self.token}"
        async with self.session.request(method, self.emu.base_url + path, headers=hdrs,
                                        **kw) as resp:
            text = await resp.text()
            try:
                body: Any = await resp.json(content_type=None)
            except ValueError:
                body = text
            return Reply(resp.status, body, resp.headers)

"""The Bitable app itself: get and update (A.10, A.11)."""

from __future__ import annotations

import msgspec

from bitable_async.models.app import App
from bitable_async.resources._base import WRITE, Resource, body

__all__ = ["AppResource"]


class _AppData(msgspec.Struct):
    app: App | None = None


class AppResource(Resource):
    """Read and change a Bitable's name and advanced-permission switch."""

    async def get(self) -> App:
        """Get the Bitable's metadata.

        API: ``GET /open-apis/bitable/v1/apps/:app_token`` (app.get, A.10).

        Returns:
            The app: token, name, revision, advanced-permission flag.

        Raises:
            BitableError: the request failed.
        """
        data = await self._call("GET", self._app_path, _AppData)
        return data.app or App(app_token=self.app_token)

    async def update(self, *, name: str | None = None, is_advanced: bool | None = None) -> App:
        """Rename the Bitable and/or switch advanced permissions on or off.

        API: ``PUT /open-apis/bitable/v1/apps/:app_token`` (app.update, A.11).
        Not atomic: the name changes first, then the switch.

        Args:
            name: the new name (at most 100 chars, none of ``? / \\ * : [ ]``).
            is_advanced: turn advanced permissions on or off.

        Returns:
            The updated app.

        Raises:
            ValueError: neither argument was given.
            BitableError: the request failed.
        """
        if name is None and is_advanced is None:
            raise ValueError("app update needs name and/or is_advanced")
        payload = body(name=name, is_advanced=is_advanced)

        async def call() -> App:
            data = await self._call(
                "PUT", self._app_path, _AppData, json=payload, endpoint_class=WRITE
            )
            return data.app or App(app_token=self.app_token)

        return await self._write("app.update", call)

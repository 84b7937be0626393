"""Custom roles of a Bitable with advanced permissions (A.41-A.44)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from bitable_async.models.role import BlockRole, Role, TableRole
from bitable_async.pagination import PageIterator
from bitable_async.resources._base import WRITE, Resource, list_pages, path_id
from bitable_async.resources.members import MembersResource

__all__ = ["RolesResource"]

MAX_PAGE_SIZE = 30
"""app_role.list page_size maximum (A.41)."""


class _RoleData(msgspec.Struct):
    role: Role | None = None


def _role_body(
    role_name: str, table_roles: Sequence[TableRole], block_roles: Sequence[BlockRole]
) -> dict[str, object]:
    if not isinstance(role_name, str) or not role_name.strip():
        raise ValueError(f"role_name must be a non-empty string, got {role_name!r}")
    if len(table_roles) > 100 or len(block_roles) > 100:
        raise ValueError("a role takes at most 100 table_roles and 100 block_roles")
    for i, tr in enumerate(table_roles):
        if not isinstance(tr, TableRole):
            raise TypeError(f"table_roles[{i}] must be a TableRole, got {type(tr).__name__}")
        if tr.rec_rule is not None and len(tr.rec_rule.conditions) > 100:
            raise ValueError(f"table_roles[{i}].rec_rule takes at most 100 conditions")
    for i, br in enumerate(block_roles):
        if not isinstance(br, BlockRole):
            raise TypeError(f"block_roles[{i}] must be a BlockRole, got {type(br).__name__}")
    return {
        "role_name": role_name,
        "table_roles": list(table_roles),
        # block_type is response-only
        "block_roles": [
            BlockRole(block_id=b.block_id, block_perm=b.block_perm) for b in block_roles
        ],
    }


class RolesResource(Resource):
    """The custom roles of one Bitable (``client.app(token).roles``).

    Advanced permissions must be on (``app.update(is_advanced=True)``); a call
    right after switching them on may fail with 1254301 for a while.
    """

    def _path(self, role_id: str | None = None) -> str:
        base = f"{self._app_path}/roles"
        return base if role_id is None else f"{base}/{path_id('role_id', role_id)}"

    def list(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> PageIterator[Role]:
        """Iterate over the custom roles.

        API: ``GET /open-apis/bitable/v1/apps/:app_token/roles`` (app_role.list, A.41).

        Args:
            page_size: roles per request, capped at 30 (default 30).
            page_token: resume at this page.

        Returns:
            A lazy iterator of :class:`Role`.

        Raises:
            ValueError: ``page_size`` is less than 1.
        """
        return list_pages(
            self,
            self._path(),
            Role,
            maximum=MAX_PAGE_SIZE,
            page_size=page_size,
            page_token=page_token,
        )

    async def create(
        self,
        role_name: str,
        *,
        table_roles: Sequence[TableRole],
        block_roles: Sequence[BlockRole] = (),
    ) -> Role:
        """Create a custom role.

        API: ``POST /open-apis/bitable/v1/apps/:app_token/roles`` (app_role.create, A.42).

        Args:
            role_name: the role's name.
            table_roles: per-table permissions (at most 100).
            block_roles: per-dashboard permissions (at most 100).

        Returns:
            The role; the spec documents no response, so fields the server did
            not send are taken from the request.

        Raises:
            ValueError: a bad argument.
            BitableError: the request failed.
        """
        payload = _role_body(role_name, table_roles, block_roles)

        async def call() -> Role:
            data = await self._call(
                "POST", self._path(), _RoleData, json=payload, endpoint_class=WRITE
            )
            if data.role is not None:
                return data.role
            return Role(
                role_name=role_name, table_roles=list(table_roles), block_roles=list(block_roles)
            )

        return await self._write("roles.create", call)

    async def update(
        self,
        role_id: str,
        *,
        role_name: str,
        table_roles: Sequence[TableRole],
        block_roles: Sequence[BlockRole] = (),
    ) -> Role:
        """Replace a role entirely (full overwrite).

        API: ``PUT .../apps/:app_token/roles/:role_id`` (app_role.update, A.44).

        Args:
            role_id: the role.
            role_name: the role's name.
            table_roles: per-table permissions (at most 100).
            block_roles: per-dashboard permissions (at most 100).

        Returns:
            The role as the server stored it (without ``role_id``).

        Raises:
            ValueError: a bad argument.
            BitableError: the request failed.
        """
        path = self._path(role_id)
        payload = _role_body(role_name, table_roles, block_roles)

        async def call() -> Role:
            data = await self._call("PUT", path, _RoleData, json=payload, endpoint_class=WRITE)
            return data.role or Role(role_name=role_name, role_id=role_id)

        return await self._write("roles.update", call)

    async def delete(self, role_id: str) -> None:
        """Delete a custom role.

        API: ``DELETE .../apps/:app_token/roles/:role_id`` (app_role.delete, A.43).

        Args:
            role_id: the role.

        Raises:
            ValueError: ``role_id`` is empty.
            BitableError: the request failed.
        """
        path = self._path(role_id)

        async def call() -> None:
            await self._send("DELETE", path, endpoint_class=WRITE)

        await self._write("roles.delete", call)

    def members(self, role_id: str) -> MembersResource:
        """The collaborators of one role (no I/O).

        Args:
            role_id: the role.

        Returns:
            The role's member resource.

        Raises:
            ValueError: ``role_id`` is empty.
        """
        return MembersResource(self._ctx, self.app_token, role_id)

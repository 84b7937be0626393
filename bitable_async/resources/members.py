"""Collaborators of a custom role (A.45-A.49)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from bitable_async.batching import ChunkResult, ChunkSpan, check_chunk_size, run_chunks
from bitable_async.models.member import MemberIdType, MemberRef, RoleMember
from bitable_async.pagination import PageIterator
from bitable_async.resources._base import (
    WRITE,
    CallContext,
    Resource,
    list_pages,
    path_id,
    query,
)

__all__ = ["MembersResource"]

MAX_PAGE_SIZE = 100
"""app_role_member.list page_size maximum (A.47)."""

MAX_BATCH = 100
"""Members per batch_create / batch_delete (A.45, A.46)."""

_ID_TYPES = ("open_id", "union_id", "user_id", "chat_id", "department_id", "open_department_id")


def _check_type(member_id_type: str | None) -> None:
    if member_id_type is not None and member_id_type not in _ID_TYPES:
        raise ValueError(f"member_id_type must be one of {_ID_TYPES}, got {member_id_type!r}")


def _refs(members: Iterable[MemberRef | str]) -> list[MemberRef]:
    out: list[MemberRef] = []
    for i, m in enumerate(members):
        ref = MemberRef(id=m) if isinstance(m, str) else m
        if not isinstance(ref, MemberRef) or not ref.id:
            raise ValueError(f"member {i} must be a non-empty id or a MemberRef, got {m!r}")
        _check_type(ref.type)
        out.append(ref)
    return out


class MembersResource(Resource):
    """The collaborators of one role (``client.app(token).roles.members(role_id)``).

    Attributes:
        role_id: the role.
    """

    def __init__(self, ctx: CallContext, app_token: str, role_id: str) -> None:
        """Bind to one role.

        Args:
            ctx: the transport and identity to call with.
            app_token: the Bitable.
            role_id: the role.

        Raises:
            ValueError: an id is empty.
        """
        super().__init__(ctx, app_token)
        self.role_id = role_id
        self._base = f"{self._app_path}/roles/{path_id('role_id', role_id)}/members"

    def list(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> PageIterator[RoleMember]:
        """Iterate over the role's collaborators.

        API: ``GET .../roles/:role_id/members`` (app_role_member.list, A.47).

        Args:
            page_size: members per request, capped at 100 (default 100).
            page_token: resume at this page.

        Returns:
            A lazy iterator of :class:`RoleMember`.

        Raises:
            ValueError: ``page_size`` is less than 1.
        """
        return list_pages(
            self,
            self._base,
            RoleMember,
            maximum=MAX_PAGE_SIZE,
            page_size=page_size,
            page_token=page_token,
        )

    async def create(self, member_id: str, *, member_id_type: MemberIdType | None = None) -> None:
        """Add one collaborator to the role.

        API: ``POST .../roles/:role_id/members`` (app_role_member.create, A.48).

        Args:
            member_id: the collaborator's id.
            member_id_type: the kind of id (default ``open_id`` on the server).

        Raises:
            ValueError: a bad argument.
            BitableError: the request failed.
        """
        path_id("member_id", member_id)
        _check_type(member_id_type)

        async def call() -> None:
            await self._send(
                "POST",
                self._base,
                params=query(member_id_type=member_id_type),
                json={"member_id": member_id},
                endpoint_class=WRITE,
            )

        await self._write("members.create", call)

    async def delete(self, member_id: str, *, member_id_type: MemberIdType | None = None) -> None:
        """Remove one collaborator from the role.

        API: ``DELETE .../roles/:role_id/members/:member_id`` (app_role_member.delete, A.49).

        Args:
            member_id: the collaborator's id.
            member_id_type: the kind of id (default ``open_id`` on the server).

        Raises:
            ValueError: a bad argument.
            BitableError: the request failed.
        """
        path = f"{self._base}/{path_id('member_id', member_id)}"
        _check_type(member_id_type)

        async def call() -> None:
            await self._send(
                "DELETE",
                path,
                params=query(member_id_type=member_id_type),
                endpoint_class=WRITE,
            )

        await self._write("members.delete", call)

    async def _batch(
        self, action: str, members: Iterable[MemberRef | str], chunk_size: int
    ) -> builtins.list[ChunkResult[None]]:
        refs = _refs(members)
        size = check_chunk_size(chunk_size, MAX_BATCH)
        path = f"{self._base}/{action}"

        async def send(span: ChunkSpan, chunk: Sequence[MemberRef]) -> None:
            async def call() -> None:
                await self._send(
                    "POST", path, json={"member_list": list(chunk)}, endpoint_class=WRITE
                )

            await self._write(f"members.{action}", call)

        return await run_chunks(refs, size, send)

    async def batch_create(
        self, members: Iterable[MemberRef | str], *, chunk_size: int = MAX_BATCH
    ) -> None:
        """Add collaborators, 100 per call.

        API: ``POST .../roles/:role_id/members/batch_create`` (app_role_member.batch_create, A.46).

        Args:
            members: :class:`MemberRef` values, or plain open_ids.
            chunk_size: members per call (1-100).

        Raises:
            ValueError: a bad member or chunk size (before any request).
            BatchError: a call failed; the error says which chunks were applied.
        """
        await self._batch("batch_create", members, chunk_size)

    async def batch_delete(
        self, members: Iterable[MemberRef | str], *, chunk_size: int = MAX_BATCH
    ) -> None:
        """Remove collaborators, 100 per call.

        API: ``POST .../roles/:role_id/members/batch_delete`` (app_role_member.batch_delete, A.45).

        Args:
            members: :class:`MemberRef` values, or plain open_ids.
            chunk_size: members per call (1-100).

        Raises:
            ValueError: a bad member or chunk size (before any request).
            BatchError: a call failed; the error says which chunks were applied.
        """
        await self._batch("batch_delete", members, chunk_size)

"""Async page iterators for every list and search endpoint.

A :class:`PageIterator` walks a paginated endpoint lazily: nothing is sent
until it is iterated. ``async for item in it`` yields items; ``async for page
in it.pages()`` yields whole :class:`Page` objects. Iteration stops when the
server says ``has_more`` is false -- never on the absence of ``page_token``,
since several endpoints return a token together with ``has_more: false``.

Only one page is alive at a time: the iterator drops its reference to a page
before it asks for the next one, so walking a 20,000-record table takes the
memory of one page. The iterators are plain classes, not async generators, so
leaving a loop early (``break``, an exception) leaves nothing to close and no
request in flight.

Resuming: :attr:`PageIterator.page_token` is the token that fetched the page
being consumed (``None`` for the first page) and
:attr:`PageIterator.next_page_token` the token of the page after it. Pass
either as ``page_token=`` to the same list call to resume: the first re-reads
the current page, the second starts after it. :attr:`PageIterator.resume_token`
picks the right one for item iteration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bitable_async.errors import ResponseDecodeError

__all__ = ["FetchPage", "Page", "PageIterator", "PagesIterator", "resolve_page_size"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list or search call.

    Attributes:
        items: the page's items, decoded.
        has_more: whether the server has more pages.
        page_token: the token of the next page (``None`` when there is none).
        total: the total item count when the endpoint reports one.
    """

    items: Sequence[T]
    has_more: bool
    page_token: str | None = None
    total: int | None = None


FetchPage = Callable[[str | None, int], Awaitable[Page[T]]]
"""``fetch(page_token, page_size) -> Page``: one request for one page."""


def resolve_page_size(page_size: int | None, maximum: int) -> int:
    """Choose the page size to send: the caller's, capped at the endpoint's maximum.

    Args:
        page_size: the caller's wish, ``None`` for the maximum.
        maximum: the endpoint's documented maximum (limits.md).

    Returns:
        ``min(page_size, maximum)``, or ``maximum`` when no size was asked.

    Raises:
        ValueError: ``page_size`` is less than 1 (the server rejects it, 1254011).
    """
    if page_size is None:
        return maximum
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be an integer >= 1, got {page_size!r}")
    return min(page_size, maximum)


class _Cursor(Generic[T]):
    """The shared state of a walk: which token comes next and whether it ended."""

    __slots__ = ("current_token", "exhausted", "fetch", "next_token", "page_size", "started")

    def __init__(self, fetch: FetchPage[T], page_size: int, page_token: str | None) -> None:
        self.fetch = fetch
        self.page_size = page_size
        self.current_token: str | None = None
        self.next_token: str | None = page_token
        self.exhausted = False
        self.started = False

    async def advance(self) -> Page[T] | None:
        """Fetch the next page, or return ``None`` when the walk is over."""
        if self.exhausted:
            return None
        token = self.next_token
        page = await self.fetch(token, self.page_size)
        self.started = True
        self.current_token = token
        if page.has_more:
            if not page.page_token:
                # has_more without a token would loop forever on the same page.
                self.exhausted = True
                raise ResponseDecodeError("the server said has_more=true but sent no page_token")
            self.next_token = page.page_token
        else:
            self.next_token = None
            self.exhausted = True
        return page


class PagesIterator(AsyncIterator[Page[T]]):
    """``async for page in it.pages()``: one :class:`Page` per request."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: _Cursor[T]) -> None:
        self._cursor = cursor

    def __aiter__(self) -> PagesIterator[T]:
        """Return the iterator itself."""
        return self

    async def __anext__(self) -> Page[T]:
        """Fetch and return the next page.

        Raises:
            StopAsyncIteration: the last page (``has_more`` false) was returned.
            ResponseDecodeError: ``has_more`` was true without a ``page_token``.
            BitableError: the request failed.
        """
        page = await self._cursor.advance()
        if page is None:
            raise StopAsyncIteration
        return page


class PageIterator(AsyncIterator[T]):
    """Lazily walks a paginated endpoint; ``async for`` yields items.

    Built by the resources' list / search methods; no request is made until
    the first ``__anext__``. Iterate it once: items and pages share one cursor,
    so ``it.pages()`` continues where item iteration stopped.

    Attributes:
        page_size: the page size sent with every request (already capped).
    """

    __slots__ = ("_buffer", "_cursor", "_index", "page_size")

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        page_size: int,
        page_token: str | None = None,
    ) -> None:
        """Create the iterator.

        Args:
            fetch: makes one request: ``fetch(page_token, page_size) -> Page``.
            page_size: the page size to send (capped by the caller).
            page_token: start at this page instead of the first one (resume).
        """
        self.page_size = page_size
        self._cursor: _Cursor[T] = _Cursor(fetch, page_size, page_token)
        self._buffer: Sequence[T] = ()
        self._index = 0

    @property
    def page_token(self) -> str | None:
        """The token that fetched the page being consumed; resume here to re-read it."""
        return self._cursor.current_token if self._cursor.started else self._cursor.next_token

    @property
    def resume_token(self) -> str | None:
        """Where to restart without losing an item not yet returned.

        The token of the current page while some of its items are still
        unread (those already returned will be read again), otherwise the
        token of the next page. ``None`` means the first page -- check
        :attr:`exhausted` to tell "not started" from "finished".
        """
        if self._cursor.started and self._index < len(self._buffer):
            return self._cursor.current_token
        return self._cursor.next_token

    @property
    def next_page_token(self) -> str | None:
        """The token of the next page; ``None`` when the last page has been fetched."""
        return self._cursor.next_token

    @property
    def exhausted(self) -> bool:
        """Whether the last page has been fetched."""
        return self._cursor.exhausted

    def pages(self) -> PagesIterator[T]:
        """Iterate page by page instead of item by item.

        Returns:
            An async iterator of :class:`Page`, sharing this iterator's cursor.
        """
        self._buffer = ()
        self._index = 0
        return PagesIterator(self._cursor)

    def __aiter__(self) -> PageIterator[T]:
        """Return the iterator itself."""
        return self

    async def __anext__(self) -> T:
        """Return the next item, fetching the next page when the current one is used up.

        Raises:
            StopAsyncIteration: every page has been consumed.
            BitableError: a request failed.
        """
        while self._index >= len(self._buffer):
            # Drop the spent page before asking for the next one.
            self._buffer = ()
            self._index = 0
            page = await self._cursor.advance()
            if page is None:
                raise StopAsyncIteration
            self._buffer = page.items
        item = self._buffer[self._index]
        self._index += 1
        return item

    async def collect(self, *, limit: int | None = None) -> list[T]:
        """Read the remaining items into a list.

        Args:
            limit: stop after this many items (``None`` = all of them).

        Returns:
            The items, in server order.
        """
        out: list[T] = []
        async for item in self:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
        return out

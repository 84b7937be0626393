"""Page iterators: has_more, resume tokens, early exit, page size caps (no network)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bitable_async.errors import ResponseDecodeError
from bitable_async.pagination import Page, PageIterator, resolve_page_size


class FakeEndpoint:
    """Serves ``items`` in pages; page tokens are ``"t<offset>"``."""

    def __init__(self, items: Sequence[int], *, token_on_last: bool = True) -> None:
        self.items = list(items)
        self.calls: list[tuple[str | None, int]] = []
        self.token_on_last = token_on_last

    async def fetch(self, token: str | None, size: int) -> Page[int]:
        self.calls.append((token, size))
        start = int(token[1:]) if token else 0
        stop = min(start + size, len(self.items))
        more = stop < len(self.items)
        # The real service sometimes returns a token with has_more=false (endpoints.md).
        next_token = f"t{stop}" if more or self.token_on_last else None
        return Page(self.items[start:stop], more, next_token, len(self.items))


@pytest.mark.asyncio
async def test_items_stop_on_has_more_not_on_token() -> None:
    ep = FakeEndpoint(range(10))
    it = PageIterator(ep.fetch, page_size=4)
    assert [x async for x in it] == list(range(10))
    assert ep.calls == [(None, 4), ("t4", 4), ("t8", 4)]
    assert it.exhausted
    assert it.next_page_token is None
    # Iterating again sends nothing more.
    assert [x async for x in it] == []
    assert len(ep.calls) == 3


@pytest.mark.asyncio
async def test_pages_carry_total_and_tokens() -> None:
    ep = FakeEndpoint(range(5), token_on_last=False)
    pages = [p async for p in PageIterator(ep.fetch, page_size=2).pages()]
    assert [list(p.items) for p in pages] == [[0, 1], [2, 3], [4]]
    assert [p.has_more for p in pages] == [True, True, False]
    assert {p.total for p in pages} == {5}


@pytest.mark.asyncio
async def test_empty_listing() -> None:
    ep = FakeEndpoint([])
    assert await PageIterator(ep.fetch, page_size=3).collect() == []
    assert ep.calls == [(None, 3)]


@pytest.mark.asyncio
async def test_has_more_without_token_is_an_error_not_a_loop() -> None:
    async def broken(token: str | None, size: int) -> Page[int]:
        return Page([1], True, None, None)

    it = PageIterator(broken, page_size=1)
    with pytest.raises(ResponseDecodeError):
        await it.collect()
    assert it.exhausted


@pytest.mark.asyncio
async def test_early_exit_sends_no_further_request() -> None:
    ep = FakeEndpoint(range(100))
    it = PageIterator(ep.fetch, page_size=10)
    seen = []
    async for x in it:
        seen.append(x)
        if x == 14:
            break
    assert seen == list(range(15))
    assert len(ep.calls) == 2  # nothing prefetched, nothing left running
    # Resume exactly where we stopped: the current page is read again.
    assert it.page_token == "t10"
    assert it.next_page_token == "t20"
    assert it.resume_token == "t10"
    rest = PageIterator(ep.fetch, page_size=10, page_token=it.resume_token)
    assert [x async for x in rest][:6] == [10, 11, 12, 13, 14, 15]


@pytest.mark.asyncio
async def test_resume_from_next_page_token_after_whole_pages() -> None:
    ep = FakeEndpoint(range(25))
    it = PageIterator(ep.fetch, page_size=10)
    pages = it.pages()
    first = await pages.__anext__()
    assert list(first.items) == list(range(10))
    assert it.page_token is None  # the first page
    assert it.next_page_token == "t10"
    assert it.resume_token == "t10"  # the page was handed out whole
    resumed = PageIterator(ep.fetch, page_size=10, page_token=it.next_page_token)
    assert resumed.page_token == "t10"  # before the first request: where it will start
    assert [x async for x in resumed] == list(range(10, 25))


@pytest.mark.asyncio
async def test_items_then_pages_share_one_cursor() -> None:
    ep = FakeEndpoint(range(6))
    it = PageIterator(ep.fetch, page_size=2)
    assert await it.__anext__() == 0
    rest = [list(p.items) async for p in it.pages()]
    assert rest == [[2, 3], [4, 5]]


@pytest.mark.asyncio
async def test_collect_with_limit() -> None:
    ep = FakeEndpoint(range(50))
    assert await PageIterator(ep.fetch, page_size=20).collect(limit=21) == list(range(21))
    assert len(ep.calls) == 2


def test_page_size_is_capped_and_validated() -> None:
    assert resolve_page_size(None, 100) == 100
    assert resolve_page_size(20, 100) == 20
    assert resolve_page_size(1000, 100) == 100
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="page_size"):
            resolve_page_size(bad, 100)  # type: ignore[arg-type]

"""The ONE retry decision over every code of the code table, against the documented classes.

``DOCUMENTED`` below is transcribed from the Class column of errors.md (section 3)
and from supplement.md's gateway codes, independently of
``errors.CODE_TABLE``; each class says how many retries a request failing
with that code gets, for an idempotent request and for one that is not
(errors.md section 5 and the project's decisions: rejections are retried for
every request, outcomes that may have been applied only for idempotent ones).
The decision is checked through :func:`retry_delay`, :func:`is_retryable`,
:func:`retry_allowed` and :class:`RetryBudget`, which both retry loops use.
"""

from __future__ import annotations

import random

import pytest

from bitable_async.config import RetryConfig
from bitable_async.errors import (
    CODE_TABLE,
    BitableError,
    ConnectionFailedError,
    RequestTimeoutError,
    TransportError,
    error_for_code,
    error_for_status,
)
from bitable_async.retry import RetryBudget, is_retryable, retry_allowed, retry_delay
from bitable_async.writing.types import (
    LeaseLostError,
    OutcomeUnknownError,
    WriterClosedError,
)

# -- the documented classes -------------------------------------------------------

REJECTION = "R: rejected, not applied"  # 1254290 ... retried for every request
UNKNOWN = "R: outcome unknown"  # 1255040: retried while the policy allows, idempotent only
BOUNDED = "R (bounded)"  # internal errors: a few retries, idempotent only
ONCE = "R once, then fatal"  # 1255003-1255005: one retry, idempotent only
FATAL = ("B", "P", "I", "L", "auth")

_B = dict.fromkeys(
    [
        *range(1254000, 1254002),
        *range(1254003, 1254017),
        *range(1254018, 1254025),
        1254026,
        *range(1254028, 1254035),
        1254038,
        1254039,
        *range(1254060, 1254071),
        1254072,
        *range(1254080, 1254097),
        1254606,
        2320001,
    ],
    "B",
)
_P = dict.fromkeys(
    [1254027, *range(1254040, 1254046), *range(1254047, 1254051), *range(1254301, 1254305)],
    "P",
)
_L = dict.fromkeys([*range(1254100, 1254112), 1254130], "L")

DOCUMENTED: dict[int, str] = {
    **_B,
    **_P,
    **_L,
    99991672: "P",  # supplement: app lacks the API scope
    1254037: "I",
    1255006: "I",
    1254290: REJECTION,
    99991400: REJECTION,  # supplement: gateway frequency limit
    1254291: REJECTION,
    1254607: REJECTION,
    1254036: REJECTION,
    1255040: UNKNOWN,
    1254002: BOUNDED,
    1255001: BOUNDED,
    1255002: BOUNDED,
    1254200: BOUNDED,  # errors.md: "R" (an internal error); bounded like 1255001
    1255003: ONCE,
    1255004: ONCE,
    1255005: ONCE,
    # supplement: token codes; the transport replays 99991663/4 once itself
    99991661: "auth",
    99991663: "auth",
    99991664: "auth",
    99991668: "auth",
    99991677: "auth",
}

MANY = 40  # max_attempts of the probe: more than any bounded budget

#: Retries a request gets per documented class: (idempotent, not idempotent).
#: None = as many as the policy's max_attempts allows.
RETRIES: dict[str, tuple[int | None, int | None]] = {
    REJECTION: (None, None),
    UNKNOWN: (None, 0),
    BOUNDED: (3, 0),
    ONCE: (1, 0),
    **{c: (0, 0) for c in FATAL},
}

PROBE = RetryConfig(max_attempts=MANY, base=0.0, cap=0.0, busy_min_delay=0.0, jitter=False)


def expected_retries(cls: str, idempotent: bool) -> int:
    allowed = RETRIES[cls][0 if idempotent else 1]
    return MANY - 1 if allowed is None else allowed


def count_retries(error: BaseException, idempotent: bool) -> int:
    """Feed the same failure to a RetryBudget until it says stop."""
    budget = RetryBudget(PROBE, random.Random(0), lambda: 0.0, idempotent=idempotent)
    retries = 0
    while budget.after_failure(error) is not None:
        retries += 1
        assert retries < MANY, "the budget never stopped"
    return retries


def test_the_transcription_covers_exactly_the_code_table() -> None:
    assert set(DOCUMENTED) == set(CODE_TABLE)


@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "not-idempotent"])
@pytest.mark.parametrize("code", sorted(CODE_TABLE))
def test_every_code_follows_its_documented_class(code: int, idempotent: bool) -> None:
    cls = DOCUMENTED[code]
    want = expected_retries(cls, idempotent)
    # Whatever the HTTP status the page documents for it: classified by code only.
    for status in (200, 400, 500):
        error = error_for_code(code, "documented", http_status=status)
        assert count_retries(error, idempotent) == want
        assert retry_allowed(error, idempotent=idempotent) is (want > 0)
        assert is_retryable(error, 0, idempotent=idempotent) is (want > 0)
        first = retry_delay(error, 0, PROBE, random.Random(0), idempotent=idempotent)
        assert (first is not None) is (want > 0)
        # The budget of a bounded code is spent after `want` failures WITH THAT CODE.
        if 0 < want < MANY - 1:
            assert is_retryable(error, 9, idempotent=idempotent, code_failures=want)
            assert not is_retryable(error, 0, idempotent=idempotent, code_failures=want + 1)


@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "not-idempotent"])
@pytest.mark.parametrize(
    ("error", "retried_if_not_idempotent"),
    [
        (error_for_status(500, "html 500"), False),
        (error_for_status(502, "html 502"), False),
        (error_for_status(504, "html 504"), False),
        (error_for_code(1239999, "unknown code on a 5xx", http_status=503), False),
        (error_for_code(1239999, "unknown code on a 400", http_status=400), None),
        (error_for_status(429, "too many"), True),
        (error_for_status(401, "unauthorised"), None),
        (error_for_status(403, "forbidden"), None),
        (error_for_status(404, "not found"), None),
        (error_for_status(400, "bad request"), None),
        (error_for_status(200, "truncated body"), False),
        (RequestTimeoutError("timed out"), False),
        (TransportError("connection reset"), False),
        (ConnectionFailedError("refused: nothing was sent"), True),
    ],
    ids=lambda v: repr(v) if not isinstance(v, BitableError) else f"{type(v).__name__}:{v.msg}",
)
def test_errors_without_a_known_code(
    error: BitableError, retried_if_not_idempotent: bool | None, idempotent: bool
) -> None:
    # None: never retried; False: retried only when idempotent; True: always.
    if retried_if_not_idempotent is None:
        want = 0
    elif retried_if_not_idempotent or idempotent:
        want = MANY - 1
    else:
        want = 0
    assert count_retries(error, idempotent) == want


@pytest.mark.parametrize(
    "error",
    [
        LeaseLostError("lease gone", maybe_committed=True),
        OutcomeUnknownError("gave up", cause=error_for_code(1254291, "conflict")),
        OutcomeUnknownError("gave up", cause=error_for_code(1255040, "timeout")),
        WriterClosedError("closed"),
        ValueError("not a BitableError"),
    ],
)
def test_the_writers_own_errors_are_final(error: BaseException) -> None:
    assert not retry_allowed(error, idempotent=True)
    assert count_retries(error, True) == 0


def test_a_code_budget_counts_failures_of_that_code_only() -> None:
    # 1255003 is "retry once, then fatal": a rate limit and a write conflict
    # before it do not use up its one retry.
    budget = RetryBudget(PROBE, random.Random(0), lambda: 0.0, idempotent=True)
    marshal = error_for_code(1255003, "marshal")
    assert budget.after_failure(error_for_code(1254290, "rate")) is not None
    assert budget.after_failure(error_for_code(1254291, "conflict")) is not None
    assert budget.after_failure(marshal) is not None
    assert budget.attempt == 3
    assert budget.after_failure(error_for_code(1254290, "rate")) is not None
    assert budget.after_failure(marshal) is None  # its second failure: final
    assert budget.attempt == 4


def test_the_budget_keeps_max_attempts_and_the_deadline() -> None:
    now = [0.0]
    cfg = RetryConfig(max_attempts=4, base=1.0, cap=1.0, jitter=False, busy_min_delay=0.0)
    budget = RetryBudget(cfg, random.Random(0), lambda: now[0], idempotent=False)
    rate = error_for_code(1254290, "rate")
    assert [budget.after_failure(rate) for _ in range(4)] == [1.0, 1.0, 1.0, None]

    timed = RetryConfig(max_attempts=50, base=1.0, cap=1.0, jitter=False, deadline=2.5)
    budget = RetryBudget(timed, random.Random(0), lambda: now[0], idempotent=False)
    delays = []
    while (delay := budget.after_failure(rate)) is not None:
        delays.append(delay)
        now[0] += delay
    assert delays == [1.0, 1.0]  # a third wait would end at 3.0 > 2.5


def test_try_again_now_counts_a_try_but_no_failure() -> None:
    cfg = RetryConfig(max_attempts=3, base=0.0, cap=0.0, busy_min_delay=0.0)
    budget = RetryBudget(cfg, random.Random(0), lambda: 0.0, idempotent=True)
    assert budget.try_again_now()
    assert budget.attempt == 1
    once = error_for_code(1255003, "marshal")
    assert budget.after_failure(once) is not None  # its budget is untouched
    assert not budget.try_again_now()  # but max_attempts is spent
    off = RetryBudget(RetryConfig(enabled=False), random.Random(0), lambda: 0.0, idempotent=True)
    assert not off.try_again_now()

"""A CPU-time budget for one verification, read on the caller's clock.

The caller passes `VerifyOptions.budget` (seconds, and the clock to count them on: the app
passes `time.thread_time`); the library has no clock of its own. The public entry points
start one deadline per verification (`start`, `stop`), the verifier checks it (`checkpoint`
between large steps, `tick` inside loops that grow with the input), and past it
`BudgetExceeded` unwinds the whole verification, which then reports a failed check.

Native calls cannot be interrupted: each one is bounded before it is made (input caps, and
canon's count of the work RDF canonicalization would do), so the budget is overrun by at most
one such bounded call.

Checking costs time too, and most credentials are a few kilobytes, whose every step is short.
So the finest checks, once per JSON value inside JSON-LD expansion, run only once a large
document is met (`refine`, called by canon when it keys one): a verification of small ones
checks at every step, object and loop of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """`seconds` of CPU time for one verification, counted on `clock`."""

    seconds: float
    clock: Callable[[], float]


class BudgetExceeded(BaseException):
    """The verification used up its budget.

    A BaseException, as KeyboardInterrupt is: no `except Exception` on the way out (ours,
    pyld's) may turn it into an ordinary finding and let the work go on. Only the public
    entry points catch it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"CPU budget of {seconds:g} s used up")
        self.seconds = seconds


# Documents from this size up are checked at every JSON value and node (see `fine_grained`);
# below it, JSON-LD expansion of a whole document takes well under a tenth of a second.
FINE_GRAINED_FROM_BYTES = 64 * 1024
# Lists shorter than this are looped over without ticking: they cannot take long.
LONG = 256


class _Deadline:
    __slots__ = ("_clock", "_limit", "fine", "seconds")

    def __init__(self, budget: Budget, fine: bool) -> None:
        self._clock = budget.clock
        self.seconds = budget.seconds
        self._limit = budget.clock() + budget.seconds
        self.fine = fine

    def check(self) -> None:
        if self._clock() > self._limit:
            raise BudgetExceeded(self.seconds)


_ACTIVE: ContextVar[_Deadline | None] = ContextVar("satchel_verification_deadline", default=None)
# Reading a CPU clock costs about a microsecond: hot loops read it on every 64th tick. The
# count is shared by all verifications in the process; it only spaces the readings out.
_ticks = 0


def start(budget: Budget | None, *, size: int = 0) -> Token[_Deadline | None] | None:
    """Start one verification's deadline (`budget` None: unbounded); pass the result to `stop`.

    `size`: the input's length in bytes, when known. Inside a verification already running,
    its deadline stays the one that counts.
    """
    if budget is None or _ACTIVE.get() is not None:
        return None
    return _ACTIVE.set(_Deadline(budget, size >= FINE_GRAINED_FROM_BYTES))


def stop(token: Token[_Deadline | None] | None) -> None:
    if token is not None:
        _ACTIVE.reset(token)


@contextmanager
def running(budget: Budget | None, *, size: int = 0) -> Iterator[None]:
    """`start` and `stop` around a block."""
    token = start(budget, size=size)
    try:
        yield
    finally:
        stop(token)


def checkpoint() -> None:
    """Raise BudgetExceeded when the running verification is past its budget."""
    deadline = _ACTIVE.get()
    if deadline is not None:
        deadline.check()


def tick() -> None:
    """`checkpoint` for hot loops: reads the clock on every 64th call."""
    global _ticks
    _ticks += 1
    if not _ticks & 63:
        checkpoint()


def refine(size: int) -> None:
    """A document of `size` bytes is about to be worked on: if it is large, check at every
    JSON value from now on."""
    if size >= FINE_GRAINED_FROM_BYTES:
        deadline = _ACTIVE.get()
        if deadline is not None:
            deadline.fine = True


def ticking(items: Iterable[T]) -> Iterator[T]:
    """`items`, ticking as each is taken: for a loop over a list that may be very long."""
    for item in items:
        tick()
        yield item


def fine_grained() -> bool:
    """Whether the running verification also checks at every JSON value (a large input)."""
    deadline = _ACTIVE.get()
    return deadline is not None and deadline.fine

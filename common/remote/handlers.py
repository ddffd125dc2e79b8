"""What a product registers for each kind of remote call, and the registry the workers read."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from common.remote.admission import RemoteCallModel
from common.remote.limits import ProviderLimits, limits_for


class RemoteHandler(Protocol):
    """One kind of remote call: its model, the worker queue whose processes follow it, its providers."""

    name: str
    model: RemoteCallModel
    # Workers consuming this queue run the follower for these calls (the product's own worker processes).
    queue: str

    def limits(self) -> dict[str, ProviderLimits]:
        """The providers this handler's calls go to, with their limits."""
        ...

    def advance(self, call: Any) -> None:
        """One step on a claimed ACTIVE call (submit, poll, download ...), ending with a move of
        :mod:`common.remote.calls` (``check_again``, ``requeue`` or ``finish``)."""
        ...

    def give_up(self, call: Any, message: str) -> None:
        """Ends a call whose steps kept failing unexpectedly (bugs, storage down): ``finish`` with an error."""
        ...

    def max_wait_seconds(self) -> float | None:
        """How long a call may wait for a slot (None: as long as it takes)."""
        ...

    def waited_too_long(self, call: Any) -> None:
        """Ends (or moves on) a claimed call that waited longer than ``max_wait_seconds``."""
        ...


class ProviderCalls:
    """What the handlers share: the limits of the providers their calls go to, and no wait limit of their own."""

    providers: tuple[str, ...] = ()

    def limits(self) -> dict[str, ProviderLimits]:
        return {provider: limits_for(provider) for provider in self.providers}

    def max_wait_seconds(self) -> float | None:
        return None


_handlers: dict[str, RemoteHandler] = {}


def register(handler: RemoteHandler) -> None:
    _handlers[handler.name] = handler


def registered() -> list[RemoteHandler]:
    return list(_handlers.values())


def for_queues(queues: Iterable[str]) -> list[RemoteHandler]:
    wanted = set(queues)
    return [handler for handler in _handlers.values() if handler.queue in wanted]


# Set while a task follows its own calls in-process (eager Celery: no worker runs a follower). A finished call
# then wakes nobody: the task that waits on it carries on by itself.
_following_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("remote_following_inline", default=False)


def following_inline() -> bool:
    return _following_inline.get()


@contextlib.contextmanager
def inline_following() -> Iterator[None]:
    token = _following_inline.set(True)
    try:
        yield
    finally:
        _following_inline.reset(token)

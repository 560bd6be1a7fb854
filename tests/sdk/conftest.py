from __future__ import annotations

import inspect
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import smsgate

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"

LOGIN = "380501234567"
PASSWORD = "p1a2s3s4"


def load_errors(provider: str) -> dict[str, Any]:
    with (SCHEMAS / provider / "errors.toml").open("rb") as fh:
        return tomllib.load(fh)


async def call(value: Any) -> Any:
    """Await the result of an async client call; pass a sync client's result through."""
    if inspect.isawaitable(value):
        return await value
    return value


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait milliseconds in tests; the backoff curve itself has its own unit test."""
    import smsgate._retry as retry

    monkeypatch.setattr(retry, "backoff_delay", lambda attempt: 0.001 * (attempt + 1))


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


ClientFactory = Callable[..., Any]


@pytest.fixture
async def letsads(mode: str, smsgate_emulator: Any) -> AsyncIterator[ClientFactory]:
    """A factory of LetsAds clients (sync or async, by `mode`) aimed at the emulator; all closed after."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("login", LOGIN)
        kwargs.setdefault("password", PASSWORD)
        kwargs.setdefault("base_url", smsgate_emulator.base_url("letsads"))
        cls = smsgate.LetsAds if mode == "sync" else smsgate.AsyncLetsAds
        client = cls(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await call(client.aclose() if mode == "async" else client.close())


Caller = Callable[[Any], Awaitable[Any]]

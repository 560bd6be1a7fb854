"""What the emulator tests share: a client for plain HTTP on loopback, the running emulator, JSON Schema checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from smsgate.emulator import Emulator


def loopback_client(timeout: float | httpx.Timeout = 5.0) -> httpx.Client:
    """A client for plain HTTP on loopback; not loading the CA bundle saves ~60 ms per client."""
    return httpx.Client(timeout=timeout, verify=False)  # noqa: S501 - no TLS is involved


def schema_check(schema: dict[str, Any]) -> Callable[[object, str], None]:
    """``check(instance, definition)``: validate `instance` against ``#/$defs/<definition>`` of `schema`."""

    def check(instance: object, definition: str) -> None:
        entry = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
        jsonschema.Draft202012Validator(entry).validate(instance)

    return check


@pytest.fixture
def emu(smsgate_emulator: Emulator) -> Emulator:
    return smsgate_emulator


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with loopback_client() as c:
        yield c

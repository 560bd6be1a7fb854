"""Client configuration the way httpx users expect it: `with_options`, a per-call `timeout=`, a caller's
`http_client` used as given, credentials and base URLs from ``SMSGATE_<PROVIDER>_<ARGUMENT>`` variables,
and every type a public method returns importable from `smsgate`.

Timeouts are shown by *which* error a stalled request ends with, never by how long it took: the emulator
holds the connection 3 s and then closes it without a reply, so a request under a 0.3 s timeout ends with
httpx's ``ReadTimeout``, and one that waited the stall out ends with ``RemoteProtocolError``.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import httpx
import pytest

import smsgate
from smsgate._env import env_var
from smsgate.emulator import Emulator

from .conftest import LOGIN, PASSWORD

STALL = 3.0
SMSCLUB_TOKEN = "smsclub-test-token"
SMSLEADS_USERNAME = "JohnDoe"
SMSLEADS_TOKEN = "sl-johndoe-token"
SMSC_API_KEY = "smsgate-apikey"


def stall(emulator: Emulator, provider: str = "letsads") -> None:
    emulator.faults.inject(provider, "timeout", delay=STALL)


def letsads(emulator: Emulator, **kwargs: Any) -> smsgate.LetsAds:
    return smsgate.LetsAds(login=LOGIN, password=PASSWORD, base_url=emulator.base_url("letsads"), **kwargs)


# -- http_client used as given ------------------------------------------------------------------------


def test_http_client_timeout_is_kept(smsgate_emulator: Emulator) -> None:
    """`httpx.Client(timeout=0.3)`: the SDK used to put its own 30 s on every request."""
    stall(smsgate_emulator)
    with httpx.Client(timeout=0.3) as http, letsads(smsgate_emulator, http_client=http, max_retries=0) as client:
        with pytest.raises(smsgate.ReplyLostError, match="ReadTimeout"):
            client.send(["380501234568"], "hi", sender="Shop")
        assert client.timeout == httpx.Timeout(0.3)


async def test_async_http_client_timeout_is_kept(smsgate_emulator: Emulator) -> None:
    stall(smsgate_emulator)
    async with (
        httpx.AsyncClient(timeout=0.3) as http,
        smsgate.AsyncLetsAds(
            login=LOGIN,
            password=PASSWORD,
            base_url=smsgate_emulator.base_url("letsads"),
            http_client=http,
            max_retries=0,
        ) as client,
    ):
        with pytest.raises(smsgate.ReplyLostError, match="ReadTimeout"):
            await client.send(["380501234568"], "hi", sender="Shop")


def test_explicit_timeout_wins_over_http_client(smsgate_emulator: Emulator) -> None:
    stall(smsgate_emulator)
    with (
        httpx.Client(timeout=60) as http,
        letsads(smsgate_emulator, http_client=http, timeout=0.3, max_retries=0) as client,
        pytest.raises(smsgate.ReplyLostError, match="ReadTimeout"),
    ):
        client.send(["380501234568"], "hi", sender="Shop")


# -- per-call timeout ---------------------------------------------------------------------------------


def test_per_call_timeout(smsgate_emulator: Emulator) -> None:
    stall(smsgate_emulator)
    with letsads(smsgate_emulator, max_retries=0) as client:
        with pytest.raises(smsgate.ReplyLostError, match="ReadTimeout"):
            client.send(["380501234568"], "hi", sender="Shop", timeout=0.3)
        assert client.timeout.read == 30.0  # the client's own timeout is unchanged
        assert client.balance(timeout=httpx.Timeout(5.0)).amount >= 0


async def test_async_per_call_timeout(smsgate_emulator: Emulator) -> None:
    stall(smsgate_emulator, "smsclub")
    async with smsgate.AsyncSmsClub(
        token=SMSCLUB_TOKEN, base_url=smsgate_emulator.base_url("smsclub"), max_retries=0
    ) as client:
        with pytest.raises(smsgate.ReplyLostError, match="ReadTimeout"):
            await client.send(["380501234568"], "hi", sender="VashZakaz", timeout=0.3)


CLIENTS = [
    smsgate.LetsAds,
    smsgate.AsyncLetsAds,
    smsgate.SmsLeads,
    smsgate.AsyncSmsLeads,
    smsgate.SmsClub,
    smsgate.AsyncSmsClub,
    smsgate.Smsc,
    smsgate.AsyncSmsc,
]


@pytest.mark.parametrize("cls", CLIENTS, ids=lambda c: c.__name__)
def test_every_operation_takes_a_timeout(cls: type) -> None:
    """Generated for all four providers: every public method has a keyword-only `timeout=`."""
    methods = [
        (name, member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in {"close", "aclose", "with_options"}
    ]
    assert methods
    for name, method in methods:
        parameter = inspect.signature(method).parameters.get("timeout")
        assert parameter is not None, f"{cls.__name__}.{name} takes no timeout="
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY


# -- with_options ----------------------------------------------------------------------------------------


def test_with_options_shares_the_pool(smsgate_emulator: Emulator) -> None:
    with letsads(smsgate_emulator) as client:
        quick = client.with_options(timeout=0.3, max_retries=0)
        assert type(quick) is smsgate.LetsAds
        assert quick._client is client._client  # one connection pool
        assert (quick.timeout.read, quick.max_retries) == (0.3, 0)
        assert (client.timeout.read, client.max_retries) == (30.0, 2)  # the original is unchanged
        stall(smsgate_emulator)
        with pytest.raises(smsgate.ReplyLostError, match="ReadTimeout"):
            quick.send(["380501234568"], "hi", sender="Shop")
        quick.close()  # the copy does not own the pool: the original still works
        assert client.balance().amount >= 0


def test_with_options_max_retries(smsgate_emulator: Emulator) -> None:
    with letsads(smsgate_emulator) as client:
        smsgate_emulator.faults.inject("letsads", "status", status=503, count=10)
        with pytest.raises(smsgate.ProviderUnavailableError):
            client.with_options(max_retries=0).balance()
        assert len(smsgate_emulator.requests.filter("letsads")) == 1
        with pytest.raises(smsgate.ProviderUnavailableError):
            client.balance()
        assert len(smsgate_emulator.requests.filter("letsads")) == 1 + 3  # default: 2 retries
        with pytest.raises(ValueError, match="max_retries"):
            client.with_options(max_retries=-1)


async def test_async_with_options(smsgate_emulator: Emulator) -> None:
    async with smsgate.AsyncSmsc(api_key=SMSC_API_KEY, base_url=smsgate_emulator.base_url("smsc")) as client:
        quick = client.with_options(timeout=0.3, max_retries=0)
        assert type(quick) is smsgate.AsyncSmsc
        stall(smsgate_emulator, "smsc")
        with pytest.raises(smsgate.ReplyLostError, match="ReadTimeout"):
            await quick.balance()
        await quick.aclose()
        assert (await client.balance()).amount is not None


# -- environment variables -----------------------------------------------------------------------------


def test_env_var_names() -> None:
    assert env_var("letsads", "login") == "SMSGATE_LETSADS_LOGIN"
    assert env_var("smsc", "api_key") == "SMSGATE_SMSC_API_KEY"
    assert env_var("smsclub", "base_url") == "SMSGATE_SMSCLUB_BASE_URL"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("SMSGATE_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_credentials_and_base_url_from_env(smsgate_emulator: Emulator, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SMSGATE_LETSADS_LOGIN", LOGIN)
    clean_env.setenv("SMSGATE_LETSADS_PASSWORD", PASSWORD)
    clean_env.setenv("SMSGATE_LETSADS_BASE_URL", smsgate_emulator.base_url("letsads"))
    with smsgate.LetsAds() as client:
        assert client.base_url == smsgate_emulator.base_url("letsads").rstrip("/")
        assert client.balance().amount >= 0
        assert PASSWORD not in repr(client)
    clean_env.setenv("SMSGATE_SMSLEADS_USERNAME", SMSLEADS_USERNAME)
    clean_env.setenv("SMSGATE_SMSLEADS_TOKEN", SMSLEADS_TOKEN)
    clean_env.setenv("SMSGATE_SMSLEADS_BASE_URL", smsgate_emulator.base_url("smsleads"))
    with smsgate.SmsLeads() as leads:
        assert leads.balance().credits >= 0
    clean_env.setenv("SMSGATE_SMSCLUB_TOKEN", SMSCLUB_TOKEN)
    clean_env.setenv("SMSGATE_SMSCLUB_BASE_URL", smsgate_emulator.base_url("smsclub"))
    with smsgate.SmsClub() as club:
        club.balance()


async def test_smsc_credentials_from_env(smsgate_emulator: Emulator, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SMSGATE_SMSC_API_KEY", SMSC_API_KEY)
    clean_env.setenv("SMSGATE_SMSC_BASE_URL", smsgate_emulator.base_url("smsc"))
    async with smsgate.AsyncSmsc() as client:
        assert (await client.balance()).amount is not None
    # An argument given: the environment is not mixed in (no "both login and api_key" ambiguity).
    with smsgate.Smsc(login="smsgate", password="x" * 8) as explicit:
        assert explicit.login == "smsgate"


def test_arguments_win_over_env(smsgate_emulator: Emulator, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SMSGATE_LETSADS_LOGIN", "380000000000")
    clean_env.setenv("SMSGATE_LETSADS_BASE_URL", "http://127.0.0.1:9")
    with letsads(smsgate_emulator) as client:
        assert client.login == LOGIN
        assert client.balance().amount >= 0


def test_missing_credentials_name_the_variables(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(TypeError, match="SMSGATE_LETSADS_LOGIN, SMSGATE_LETSADS_PASSWORD"):
        smsgate.LetsAds()
    with pytest.raises(TypeError, match="SMSGATE_SMSCLUB_TOKEN"):
        smsgate.AsyncSmsClub()
    with pytest.raises(TypeError, match="SMSGATE_SMSC_API_KEY"):
        smsgate.Smsc()


# -- returned types importable from smsgate --------------------------------------------------------------


def _public_classes() -> list[type]:
    classes: list[type] = [*CLIENTS, smsgate.Gateway, smsgate.AsyncGateway, smsgate.Campaign]
    return classes


def _ours(t: type) -> bool:
    return t.__module__.startswith(("smsgate", "smsgate_generated"))


def _named_types(annotation: object, out: set[type]) -> None:
    """The classes an annotation names, and, for smsgate's own, the classes their fields name."""
    if isinstance(annotation, type) and annotation not in out:
        out.add(annotation)
        if _ours(annotation) and not issubclass(annotation, BaseException):
            try:
                fields = typing.get_type_hints(annotation)
            except (TypeError, NameError):
                fields = {}
            for name, hint in fields.items():
                if not name.startswith("_"):
                    _named_types(hint, out)
    for arg in typing.get_args(annotation):
        _named_types(arg, out)
    origin = typing.get_origin(annotation)
    if isinstance(origin, type):
        _named_types(origin, out)


@pytest.mark.parametrize("cls", _public_classes(), ids=lambda c: c.__name__)
def test_types_of_the_public_api_are_importable_from_smsgate(cls: type) -> None:
    """`JournalCounts`, `Segments`, `Encoding`...: every type a public method takes or returns (and the types
    of its fields) can be named by users as ``smsgate.X``."""
    found: set[type] = set()
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") and name != "__init__":
            continue
        function = member.fget if isinstance(member, property) else member
        if not callable(function):
            continue
        try:
            hints = typing.get_type_hints(function)
        except (TypeError, NameError):
            continue
        for hint in hints.values():
            _named_types(hint, found)
    missing = sorted(t.__name__ for t in found if _ours(t) and getattr(smsgate, t.__name__, None) is not t)
    assert not missing, f"used by {cls.__name__} but not importable from smsgate: {missing}"

"""Single sends: client CPU per `send` of one recipient through each provider's client, beside
`httpx.Client` sending the same request (URL, headers, body bytes, built beforehand) to the same emulator.

Client CPU is this process's user + system time (`time.process_time`): the emulator runs in its own
process, so its work and the waits for it are not counted on either side. Every request carries its own
text (no duplicate refusals); the emulator is reset before each side of each round, so both sides get the
same replies."""

from __future__ import annotations

from typing import Any

import httpx

import smsgate

from ._common import CREDENTIALS, EmulatorProcess, Ratio, cpu_per_op, median

__all__ = ["run"]

CLASSES = {"letsads": "LetsAds", "smsleads": "SmsLeads", "smsclub": "SmsClub", "smsc": "Smsc"}
DISPLAY = {"letsads": "LetsAds", "smsleads": "SMSLeads", "smsclub": "SMSClub", "smsc": "SMSC"}


def _client(provider: str, url: str) -> Any:
    kwargs, _, _ = CREDENTIALS[provider]
    extra: dict[str, Any] = {"rate_limit": None} if provider == "smsclub" else {}
    return getattr(smsgate, CLASSES[provider])(base_url=url, max_retries=0, **kwargs, **extra)


def run(emulator: EmulatorProcess, *, rounds: int, requests: int) -> list[Ratio]:
    return [_provider(provider, emulator, rounds=rounds, requests=requests) for provider in CLASSES]


def _provider(provider: str, emulator: EmulatorProcess, *, rounds: int, requests: int) -> Ratio:
    _, sender, recipient = CREDENTIALS[provider]
    client = _client(provider, emulator.base_url(provider))
    raw = httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0))
    texts = [f"smsgate bench {i}" for i in range(requests)]
    # The raw side sends the very requests the SDK builds (built here, not timed).
    prepared = [client._prepare_send(recipients=[recipient], text=t, sender=sender) for t in texts]
    built = [client._build_request(raw, p) for p in prepared]
    bodies = [
        (
            r.method,
            str(r.url),
            r.content,
            {k: v for k, v in r.headers.items() if k.lower() not in ("content-length", "host")},
        )
        for r in built
    ]
    state = {"i": 0}

    def sdk_send() -> object:
        i = state["i"]
        state["i"] = i + 1
        return client.send([recipient], texts[i % requests], sender=sender)

    def raw_send() -> object:
        i = state["i"]
        state["i"] = i + 1
        method, url, content, headers = bodies[i % requests]
        response = raw.request(method, url, content=content, headers=headers)
        response.raise_for_status()
        return response.content

    sdk_s: list[float] = []
    raw_s: list[float] = []
    for fn in (sdk_send, raw_send):  # warm-up: imports, pools, caches
        emulator.reset()
        state["i"] = 0
        cpu_per_op(fn, min(20, requests))
    for round_no in range(rounds):
        order = (("sdk", sdk_send), ("raw", raw_send))
        for which, fn in order if round_no % 2 == 0 else order[::-1]:
            emulator.reset()
            state["i"] = 0
            (sdk_s if which == "sdk" else raw_s).append(cpu_per_op(fn, requests))
    client.close()
    raw.close()
    return Ratio(
        f"single send, client CPU / raw httpx.Client ({DISPLAY[provider]})",
        "s/op",
        median(sdk_s),
        median(raw_s),
        1.25,
        samples={"sdk": sdk_s, "raw": raw_s},
    )

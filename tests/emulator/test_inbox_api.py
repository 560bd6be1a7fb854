"""The inbox's JSON API over a real loopback socket: what the page shows, who may call it, secrets masked."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import smsgate
from smsgate.emulator import Emulator

#: Every credential of the built-in seed that the SDK calls below use.
SECRETS = ("p1a2s3s4", "sl-johndoe-token", "smsclub-test-token", "smsgate-password", "smsgate-apikey")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(clock_speed=0) as emulator:
        yield emulator


@pytest.fixture
def web(emu: Emulator) -> Iterator[httpx.Client]:
    emu.reset()
    with httpx.Client(base_url=emu.url, timeout=10) as client:
        yield client


def _send_everywhere(emu: Emulator) -> None:
    with smsgate.LetsAds(login="380501234567", password="p1a2s3s4", base_url=emu.base_url("letsads")) as c:
        c.send(["380501234567"], "Привіт з LetsAds", sender="Sender")
    with smsgate.SmsLeads(username="JohnDoe", token="sl-johndoe-token", base_url=emu.base_url("smsleads")) as c:
        c.send(["0502345678"], "Shalom from SMSLeads", sender="DemoAPI")
    with smsgate.SmsClub(token="smsclub-test-token", base_url=emu.base_url("smsclub")) as c:
        c.send(["380989361131"], "Hello from SMSClub", sender="VashZakaz")
    with smsgate.Smsc(login="smsgate", password="smsgate-password", base_url=emu.base_url("smsc")) as c:
        c.send(["79991234567"], "Hello from SMSC " * 12, sender="SMSC.RU")
    with smsgate.Smsc(api_key="smsgate-apikey", base_url=emu.base_url("smsc")) as c:
        c.send(["79991234568"], "By API key", sender="SMSC.RU")


def test_every_provider_newest_first(emu: Emulator, web: httpx.Client) -> None:
    _send_everywhere(emu)
    data = web.get("/_inbox/api/messages").json()
    assert data["total"] == 5
    providers = [m["provider"] for m in data["messages"]]
    assert providers[0] == "smsc" and set(providers) == {"letsads", "smsleads", "smsclub", "smsc"}
    stamps = [m["created_at"] for m in data["messages"]]
    assert stamps == sorted(stamps, reverse=True)
    by_text = {m["text"]: m for m in data["messages"]}
    letsads = by_text["Привіт з LetsAds"]
    assert (letsads["encoding"], letsads["parts"], letsads["per_part"]) == ("UCS-2", 1, 70)
    assert letsads["recipient_display"] == "+380 50 123 4567"
    assert letsads["account"] == "380501234567" and letsads["sender"] == "Sender"
    assert letsads["cost"] == "0.50" and letsads["currency"] == "UAH" and letsads["state"] == "queued"
    long = by_text["Hello from SMSC " * 12]
    assert (long["encoding"], long["parts"], long["per_part"]) == ("GSM-7", 2, 153)
    assert by_text["Shalom from SMSLeads"]["recipient_display"] == "+972 50-234-5678"


def test_filters(emu: Emulator, web: httpx.Client) -> None:
    _send_everywhere(emu)

    def keys(**params: str) -> set[str]:
        return {m["provider"] for m in web.get("/_inbox/api/messages", params=params).json()["messages"]}

    assert keys(provider="smsclub") == {"smsclub"}
    assert keys(q="shalom") == {"smsleads"}
    assert keys(sender="vashzak") == {"smsclub"}
    assert keys(recipient="+380 98 936") == {"smsclub"}
    assert keys(status="delivered") == set()
    emu.clock.advance(60)
    delivered = web.get("/_inbox/api/messages", params={"status": "delivered"}).json()
    assert delivered["total"] >= 4  # numbers ending in 9 are the emulator's undelivered ones
    assert web.get("/_inbox/api/messages", params={"limit": "2"}).json()["messages"].__len__() == 2


def test_detail_has_timeline_and_masked_raw_exchange(emu: Emulator, web: httpx.Client) -> None:
    _send_everywhere(emu)
    emu.clock.advance(60)
    messages = web.get("/_inbox/api/messages").json()["messages"]
    for summary in messages:
        detail = web.get(f"/_inbox/api/messages/{summary['key']}").json()
        assert detail["timeline"][0]["state"] in ("queued", "sent")
        assert detail["timeline"][-1]["state"] in ("delivered", "undelivered")
        exchange = detail["exchange"]
        assert exchange is not None, summary["provider"]
        assert exchange["reply"]["status"] == 200
        assert summary["text"].split()[0] in exchange["request"]["body"] or summary["provider"] == "smsleads"
    smsc = next(m for m in messages if m["text"] == "By API key")
    body = web.get(f"/_inbox/api/messages/{smsc['key']}").json()["exchange"]["request"]["body"]
    assert "apikey=[REDACTED]" in body
    club = next(m for m in messages if m["provider"] == "smsclub")
    headers = web.get(f"/_inbox/api/messages/{club['key']}").json()["exchange"]["request"]["headers"]
    assert headers["authorization"] == "[REDACTED]"
    assert web.get("/_inbox/api/messages/letsads:nope:0").status_code == 404


def test_no_secret_in_anything_the_page_reads(emu: Emulator, web: httpx.Client) -> None:
    _send_everywhere(emu)
    with smsgate.Smsc(
        login="smsgate",
        password=hashlib.md5(b"smsgate-password").hexdigest(),  # noqa: S324 SMSC takes it
        base_url=emu.base_url("smsc"),
    ) as c:
        c.send(["79991234561"], "md5 password", sender="SMSC.RU")
    texts = [web.get("/").text, web.get("/_inbox/api/providers").text, web.get("/_inbox/api/faults").text]
    messages = web.get("/_inbox/api/messages").json()["messages"]
    texts.append(json.dumps(messages))
    texts += [web.get(f"/_inbox/api/messages/{m['key']}").text for m in messages]
    blob = "\n".join(texts)
    for secret in SECRETS:
        md5 = hashlib.md5(secret.encode()).hexdigest()  # noqa: S324 the form SMSC accepts
        for form in (secret, md5, base64.b64encode(secret.encode()).decode()):
            assert form not in blob, f"{secret!r} leaks as {form!r}"


def test_page_and_static_files(web: httpx.Client) -> None:
    page = web.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name, kind in (("inbox.js", "text/javascript"), ("inbox.css", "text/css")):
        reply = web.get(f"/_inbox/static/{name}")
        assert reply.status_code == 200 and reply.headers["content-type"].startswith(kind)
    assert web.get("/_inbox/static/../_inbox.py").status_code == 404
    assert web.get("/_inbox/static/secret.txt").status_code == 404
    assert "http" not in web.get("/").text.split("<body>")[0].replace("http-equiv", "")  # no CDN, no remote asset


@pytest.mark.parametrize("path", ["/", "/_inbox/api/messages", "/_inbox/api/providers", "/_emulator/state"])
def test_foreign_host_is_refused(web: httpx.Client, path: str) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own host name: nothing is answered to it."""
    assert web.get(path, headers={"Host": "attacker.example:8765"}).status_code == 403
    for host in ("localhost:1234", "127.0.0.1", "[::1]:80", "app.localhost"):
        assert web.get(path, headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/_inbox/api/reset", {}),
        ("POST", "/_inbox/api/faults", {"provider": "letsads", "kind": "reset"}),
        ("DELETE", "/_inbox/api/faults", None),
        ("POST", "/_inbox/api/clock/advance", {"seconds": 5}),
        ("POST", "/_emulator/reset", {}),
        ("POST", "/_emulator/faults", {"provider": "letsads", "kind": "reset"}),
    ],
)
def test_cross_origin_changes_are_refused(
    emu: Emulator, web: httpx.Client, method: str, path: str, payload: object
) -> None:
    _send_everywhere(emu)
    for headers in ({"Origin": "http://attacker.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        reply = web.request(method, path, json=payload, headers=headers)
        assert reply.status_code == 403, (headers, reply.text)
    assert not emu.faults.pending()
    assert len(emu.letsads.messages) == 1  # not reset
    if path.startswith("/_inbox"):
        # A form post (no JSON) cannot change anything either, even without an Origin header.
        form = web.request(method, path, content=b"provider=letsads&kind=reset")
        assert form.status_code == 415


def test_same_origin_page_changes_state(emu: Emulator, web: httpx.Client) -> None:
    _send_everywhere(emu)
    origin = {"Origin": emu.url}
    fault = {"provider": "letsads", "kind": "status", "status": 503}
    injected = web.post("/_inbox/api/faults", json=fault, headers=origin)
    assert injected.status_code == 200, injected.text
    queued = web.get("/_inbox/api/faults").json()["queued"]
    assert [(f["provider"], f["kind"], f["status"]) for f in queued] == [("letsads", "status", 503)]
    with (
        smsgate.LetsAds(
            login="380501234567", password="p1a2s3s4", base_url=emu.base_url("letsads"), max_retries=0
        ) as client,
        pytest.raises(smsgate.ProviderUnavailableError),
    ):
        client.balance()
    assert web.post("/_inbox/api/clock/advance", json={"seconds": 30}, headers=origin).status_code == 200
    bad = web.post("/_inbox/api/faults", json={"provider": "letsads", "kind": "nope"}, headers=origin)
    assert bad.status_code == 400
    assert web.post("/_inbox/api/reset", json={}, headers=origin).status_code == 200
    assert web.get("/_inbox/api/messages").json()["total"] == 0


def test_events_stream_announces_new_messages(emu: Emulator, web: httpx.Client) -> None:
    seen: list[str] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.Client(base_url=emu.url, timeout=10) as client, client.stream("GET", "/_inbox/api/events") as r:
            assert r.headers["content-type"] == "text/event-stream"
            for line in r.iter_lines():
                if line.startswith("event: change"):
                    seen.append(line)
                    ready.set()
                    if len(seen) == 2:
                        return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)  # the first event says where the stream starts
    _send_everywhere(emu)
    thread.join(10)
    assert len(seen) == 2


def test_detail_key_may_be_percent_encoded(emu: Emulator, web: httpx.Client) -> None:
    """The page encodes the key (``encodeURIComponent``): ``letsads%3A1%3A0`` is ``letsads:1:0``."""
    _send_everywhere(emu)
    key = web.get("/_inbox/api/messages", params={"provider": "letsads"}).json()["messages"][0]["key"]
    encoded = key.replace(":", "%3A")
    assert web.get(f"/_inbox/api/messages/{encoded}").json()["key"] == key


def test_pytest_option_prints_the_inbox_of_the_fixture(tmp_path: Path) -> None:
    """A user's test run with ``--smsgate-inbox`` says where to watch the messages its tests send."""
    (tmp_path / "test_user.py").write_text(
        "import httpx\n\n"
        "def test_page(smsgate_emulator):\n"
        "    assert httpx.get(smsgate_emulator.inbox_url).status_code == 200\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--smsgate-inbox", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"smsgate emulator inbox: http://127\.0\.0\.1:\d+/", proc.stdout), proc.stdout


def test_page_offers_every_fault_kind(web: httpx.Client) -> None:
    from smsgate.emulator import FaultKind

    kinds = web.get("/_inbox/api/faults").json()["kinds"]
    assert set(kinds) == {kind.value for kind in FaultKind}
    assert kinds["hold"] == ["delay"] and kinds["timeout"][0] == "delay"

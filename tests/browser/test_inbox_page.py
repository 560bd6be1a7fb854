"""The inbox page end to end in a real browser: Debian's Chromium driven by Playwright (never a downloaded build).

Send through the SDK and watch the message appear without a reload, filter it, open it with the keyboard, see
the raw exchange with the secret masked, advance the clock and watch the status move, inject a fault from the
page and see the next SDK call fail with the matching error; and the page stays usable on a narrow window.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import smsgate
from smsgate.emulator import Emulator

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing: .ci/setup.d/chromium.sh installs Debian's package", pytrace=False)
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is part of the test extra")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(clock_speed=0) as emulator:
        yield emulator


@pytest.fixture
def page(browser: Browser, emu: Emulator) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(emu.inbox_url)
    sync_api.expect(page.locator("#live")).to_have_text("live", timeout=10_000)
    page.evaluate("window.__loadedOnce = true")
    yield page
    assert page.evaluate("window.__loadedOnce") is True, "the page reloaded"
    assert not errors, errors
    context.close()


def _letsads(emu: Emulator, **kw: object) -> smsgate.LetsAds:
    return smsgate.LetsAds(login="380501234567", password="p1a2s3s4", base_url=emu.base_url("letsads"), **kw)  # type: ignore[arg-type]


def test_messages_appear_live_filter_open(page: Page, emu: Emulator) -> None:
    expect = sync_api.expect
    messages = page.locator("#messages .msg")
    expect(page.locator("#count")).to_contain_text("No messages yet")
    with _letsads(emu) as client:
        client.send(["380501234567"], "Привіт з LetsAds", sender="Sender")
    with smsgate.Smsc(login="smsgate", password="smsgate-password", base_url=emu.base_url("smsc")) as smsc:
        smsc.send(["79991234567"], "Hello from SMSC", sender="SMSC.RU")
    with smsgate.SmsClub(token="smsclub-test-token", base_url=emu.base_url("smsclub")) as club:
        club.send(["380989361131"], "Hello from SMSClub", sender="VashZakaz")
    with smsgate.SmsLeads(username="JohnDoe", token="sl-johndoe-token", base_url=emu.base_url("smsleads")) as sl:
        sl.send(["0502345678"], "Shalom from SMSLeads", sender="DemoAPI")
    expect(messages).to_have_count(4, timeout=10_000)  # no reload: the server-sent events refresh the list
    expect(messages.first).to_contain_text("Shalom from SMSLeads")  # newest first
    expect(page.locator("#messages")).to_contain_text("+380 50 123 4567")
    expect(page.locator("#messages")).to_contain_text("UCS-2, 1 part of 70")

    page.select_option("#filters select[name=provider]", "smsc")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text("Hello from SMSC")
    page.select_option("#filters select[name=provider]", "")
    page.fill("#filters input[name=q]", "привіт")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text("LetsAds")

    # Open it with the keyboard: focus the message, Enter; the detail takes the focus.
    messages.first.locator("button.open").focus()
    page.keyboard.press("Enter")
    detail = page.locator("#detail")
    expect(detail).to_be_visible()
    expect(page.locator("#detail-title")).to_be_focused()
    raw = detail.locator(".raw-request")
    expect(raw).to_contain_text("<password>[REDACTED]</password>")
    assert "p1a2s3s4" not in page.content()
    expect(detail.locator(".timeline li")).to_have_count(1)

    # The emulated clock moves from the page; the status timeline follows, live.
    page.click("button.tab[data-view=faults]")
    page.fill("#clock-form input[name=seconds]", "60")
    page.click("#clock-form button[type=submit]")
    expect(page.locator("#clock")).to_contain_text("Emulated time is now")
    page.click("button.tab[data-view=messages]")
    expect(detail.locator(".timeline li")).to_have_count(3, timeout=10_000)
    expect(page.locator("#messages .badge").first).to_have_text("delivered")


def test_fault_injected_from_the_page_hits_the_next_sdk_call(page: Page, emu: Emulator) -> None:
    expect = sync_api.expect
    page.click("button.tab[data-view=faults]")
    page.select_option("#fault-provider", "letsads")
    page.select_option("#fault-kind", "status")
    page.fill("#fault-params input[name=status]", "503")
    page.click("#fault-form button[type=submit]")
    expect(page.locator("#fault-result")).to_contain_text("Queued: status for the next 1 letsads request(s).")
    expect(page.locator("#queued")).to_contain_text("letsads: status × 1 (HTTP 503)")
    with _letsads(emu, max_retries=0) as client, pytest.raises(smsgate.ProviderUnavailableError):
        client.balance()
    expect(page.locator("#queued")).to_contain_text("none", timeout=10_000)

    page.select_option("#fault-kind", "error_code")
    page.fill("#fault-params input[name=code]", "AUTH_DATA")
    page.click("#fault-form button[type=submit]")
    expect(page.locator("#fault-result")).to_contain_text("Queued: error_code")
    with _letsads(emu) as client, pytest.raises(smsgate.AuthenticationError):
        client.balance()

    page.on("dialog", lambda dialog: dialog.accept())
    with _letsads(emu) as client:
        client.send(["380501234567"], "soon gone", sender="Sender")
    page.click("#reset")
    expect(page.locator("#fault-result")).to_have_text("The emulator was reset.")
    page.click("button.tab[data-view=messages]")
    expect(page.locator("#messages .msg")).to_have_count(0)


def test_accounts_view(page: Page, emu: Emulator) -> None:
    expect = sync_api.expect
    page.click("button.tab[data-view=accounts]")
    accounts = page.locator("#accounts")
    for name in ("letsads", "smsleads", "smsclub", "smsc"):
        expect(accounts.locator(f"#acc-{name}")).to_be_visible()
    expect(accounts).to_contain_text("380501234567")
    expect(accounts).to_contain_text("VashZakaz")
    expect(accounts.locator("#acc-smsleads").locator("xpath=..")).to_contain_text("Contact lists")
    text = accounts.inner_text()
    for secret in ("p1a2s3s4", "sl-johndoe-token", "smsclub-test-token", "smsgate-password", "smsgate-apikey"):
        assert secret not in text


def test_narrow_window(browser: Browser, emu: Emulator, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 380, "height": 800})
    page = context.new_page()
    with _letsads(emu) as client:
        client.send(["380501234567"], "A long text that has to wrap on a phone-sized window " * 3, sender="Sender")
    page.goto(emu.inbox_url)
    sync_api.expect(page.locator("#messages .msg")).to_have_count(1, timeout=10_000)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 380, f"the page scrolls sideways on a narrow window ({width}px)"
    page.screenshot(path=str(tmp_path / "inbox-narrow.png"), full_page=True)
    context.close()

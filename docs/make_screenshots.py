"""Take the inbox screenshots of the documentation (docs/img/): `python docs/make_screenshots.py`.

Starts an emulator, sends a few messages through the SDK to each provider, and photographs the page with
Debian's Chromium (the same browser and flags as the tests in tests/browser/).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

import smsgate
from smsgate.emulator import Emulator

OUT = Path(__file__).resolve().parent / "img"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def main() -> None:
    with Emulator(clock_speed=0) as emu, sync_playwright() as pw:
        with smsgate.LetsAds(login="380501234567", password="p1a2s3s4", base_url=emu.base_url("letsads")) as c:
            c.send(["380501234567", "380671234569"], "Ваше замовлення №4821 відправлено", sender="Sender")
        with smsgate.SmsLeads(username="JohnDoe", token="sl-johndoe-token", base_url=emu.base_url("smsleads")) as s:
            s.send(["0502345678"], "Your code is 4821", sender="DemoAPI")
        emu.clock.advance(40)
        with smsgate.SmsClub(token="smsclub-test-token", base_url=emu.base_url("smsclub")) as club:
            club.send(["380989361131"], "Hello from SMSClub: your parcel is on its way", sender="VashZakaz")
        with smsgate.Smsc(login="smsgate", password="smsgate-password", base_url=emu.base_url("smsc")) as smsc:
            smsc.send(["79991234567"], "Ваш код: 4821 " * 6, sender="SMSC.RU")
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        for name, width, height in (("inbox.png", 1280, 800), ("inbox-narrow.png", 390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(emu.inbox_url)
            page.locator("#messages .msg").nth(4).wait_for()
            page.locator("#messages .msg button.open").nth(1).click()
            page.locator("#detail .raw-reply").wait_for()
            page.screenshot(path=str(OUT / name))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()

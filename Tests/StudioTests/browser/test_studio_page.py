"""Drives `splitsoc studio` in headless Chromium (Debian's package, Playwright from pip).

Started by StudioBrowserTests.swift with STUDIO_URL (a running studio) and STUDIO_SCREENSHOTS
(where the PNGs go). The story a teacher shows: the page loads live, "kill application core"
makes the real-time core go fail-safe on its own, "restart" brings a new session and normal
regulation back.
"""
import os
import re
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

URL = os.environ["STUDIO_URL"]
SHOTS = Path(os.environ.get("STUDIO_SCREENSHOTS", "."))


def session_number(page):
    return int(page.get_by_test_id("session").inner_text())


def test_kill_and_restart_the_application_core():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1360, "height": 1000})
        page.goto(URL)
        rt_state = page.get_by_test_id("rt-state")
        expect(rt_state).to_have_text("normal", timeout=20_000)
        expect(page.get_by_test_id("link-state")).to_have_text("up")
        expect(page.get_by_test_id("app-state")).to_have_text("running")
        # Live: the tick counter moves between two stream messages.
        first_tick = int(page.locator("#rt-tick").inner_text())
        expect(page.locator("#rt-tick")).not_to_have_text(str(first_tick), timeout=5_000)
        before = session_number(page)

        page.get_by_test_id("kill-app").click()
        expect(rt_state).to_have_text("FAIL-SAFE", timeout=10_000)
        expect(page.get_by_test_id("app-state")).to_have_text("down", timeout=5_000)
        expect(page.get_by_test_id("timeline")).to_contain_text("entered FAIL-SAFE")
        page.screenshot(path=str(SHOTS / "studio-failsafe.png"), full_page=True)

        page.get_by_test_id("restart-app").click()
        expect(rt_state).to_have_text("normal", timeout=30_000)
        expect(page.get_by_test_id("link-state")).to_have_text("up")
        expect(page.get_by_test_id("app-state")).to_have_text("running")
        expect(page.get_by_test_id("session")).not_to_have_text(str(before))
        assert session_number(page) > before
        expect(page.get_by_test_id("timeline")).to_contain_text(re.compile(r"session \d+ established"))
        page.screenshot(path=str(SHOTS / "studio-recovered.png"), full_page=True)

        # The operator's inputs reach the real-time core: the plant panel shows the new setpoint.
        page.locator("#setpoint").fill("45000")
        page.locator("#set-setpoint").click()
        expect(page.get_by_test_id("reply")).to_have_text("setpoint: ok")
        expect(page.locator("#plant-values")).to_contain_text("setpoint 45.00", timeout=5_000)
        page.locator("#setpoint").fill("999000")
        page.locator("#set-setpoint").click()
        expect(page.get_by_test_id("reply")).to_contain_text("out of range")

        # The guided tour starts with the demo's first phase.
        page.get_by_test_id("tour").click()
        expect(page.locator("#tour-title")).to_contain_text("Guided tour 1/5: Normal regulation", timeout=5_000)
        browser.close()

#!/usr/bin/python3
"""The dashboard in headless Chromium against `herald up` (CTest: api_dashboard_browser).

  dashboard_browser_test.py --herald BUILD/herald --screenshot BUILD/dashboard.png

Starts `herald up` (its own redis-server) on free loopback ports with an
admin key, makes three tenants and sends their mail through the HTTP API:
alpha and beta steadily, storm in a burst until its tenant breaker opens
(breaker.rate.floor_per_min 30), then on at a pace the open breaker
refuses. Then, in Chromium driven by Selenium (Debian's chromium,
chromium-driver and python3-selenium): the page asks for the key, keeps it
in sessionStorage and never in the URL, lists the three tenants with
non-zero rates and storm first with its breaker open and the alert banner
shown, and writes a screenshot; storm stops, its Reset button closes the
breaker, which the admin API confirms; the browser logged no error.

Every wait is bounded; whatever fails, herald and Chromium are stopped.
Runs on Debian's /usr/bin/python3.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ADMIN_KEY = "dashboard-test-admin-key-0123456789"
TENANTS = ("alpha", "beta", "storm")
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
)
ARGS = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, seconds):
    """predicate()'s first true value within `seconds`, else AssertionError."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (StaleElementReferenceException, urllib.error.URLError, ConnectionError) as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"within {seconds} s: {what} (last seen: {last!r})")


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, key=ADMIN_KEY):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


class Traffic(threading.Thread):
    """One tenant's mail, every message different (no dedupe, no content or
    recipient breaker), `per_sec` a second until stopped; the answers'
    statuses are counted."""

    def __init__(self, api, tenant, key, per_sec):
        super().__init__(daemon=True)
        self.api, self.tenant, self.key, self.per_sec = api, tenant, key, per_sec
        self.stop = threading.Event()
        self.statuses = {}
        self.n = 0

    def send_one(self):
        self.n += 1
        status, _ = self.api.call(
            "POST",
            "/v1/messages",
            {
                "channel": "email",
                "from": f"app@{self.tenant}.example",
                "to": [f"user{self.n}@example.com"],
                "subject": f"{self.tenant} message {self.n}",
                "text": f"body {self.n}",
            },
            key=self.key,
        )
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status

    def run(self):
        while not self.stop.is_set():
            try:
                self.send_one()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            self.stop.wait(1.0 / self.per_sec)


class DashboardBrowserTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="herald-dashboard-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        config = os.path.join(self.dir, "herald.toml")
        with open(config, "w") as f:
            f.write(
                f'[api]\nlisten = "127.0.0.1:{port}"\nadmin_key = "{ADMIN_KEY}"\n'
                f'[local]\nport = {free_port()}\ndata_dir = "{self.dir}/redis"\n'
                f'[transport]\ncapture_dir = "{self.dir}/capture"\n'
                f'[metrics]\nlisten = ""\n[log]\nlevel = "warn"\n'
            )
        self.up_err = open(os.path.join(self.dir, "up.err"), "w+")
        self.up = subprocess.Popen(
            [ARGS.herald, "up", "--config", config],
            stdout=subprocess.DEVNULL,
            stderr=self.up_err,
            cwd=self.dir,
        )
        self.addCleanup(self.stop_up)
        self.api = Api(self.base)

        def ready():
            self.assertIsNone(self.up.poll(), "herald up exited: " + self.up_log())
            return self.api.call("GET", "/readyz")[0] == 200

        wait_for("herald up answers /readyz", ready, 60)

    def stop_up(self):
        if self.up.poll() is None:
            self.up.send_signal(signal.SIGTERM)
            try:
                self.up.wait(20)
            except subprocess.TimeoutExpired:
                self.up.kill()
                self.up.wait(5)
        self.up_err.close()

    def up_log(self):
        self.up_err.flush()
        with open(self.up_err.name) as f:
            return f.read()[-3000:]

    def start_browser(self):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.dir)
        options.add_argument("--user-data-dir=" + profile)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(10)
        self.addCleanup(driver.quit)
        return driver

    def make_tenants(self):
        keys = {}
        for t in TENANTS:
            status, body = self.api.call("POST", "/v1/tenants", {"id": t})
            self.assertEqual(status, 201, body)
            status, body = self.api.call("POST", f"/v1/tenants/{t}/keys", {"name": "test"})
            self.assertEqual(status, 201, body)
            keys[t] = body["key"]
        # storm's tenant breaker trips past 30 messages a minute (its
        # baseline is empty, so the floor decides).
        status, body = self.api.call(
            "PATCH",
            "/v1/tenants/storm",
            {"settings": {"breaker.rate.floor_per_min": 30, "breaker.rate.factor": 1}},
        )
        self.assertEqual(status, 200, body)
        return keys

    def open_tenant_breakers(self, tenant):
        """The tenant's open tenant breakers, as the admin API reads them."""
        status, body = self.api.call("GET", f"/v1/stats/rates?window=60s&tenant={tenant}")
        self.assertEqual(status, 200, body)
        (view,) = body["tenants"]
        return [b for b in view["breakers"] if b["kind"] == "tenant" and b["state"] == "open"]

    def cards(self, driver):
        """[(tenant, rate, breaker state)] as the page shows them, in order."""
        out = []
        for card in driver.find_elements(By.CSS_SELECTOR, "#tenants > .tenant"):
            rate = card.find_element(By.CSS_SELECTOR, ".rate").text.replace(",", "")
            out.append((card.get_attribute("data-tenant"), float(rate), card.get_attribute("data-breaker")))
        return out

    def test_the_stormer_comes_first_with_its_breaker_open_and_reset_closes_it(self):
        keys = self.make_tenants()
        steady = [Traffic(self.api, t, keys[t], per_sec) for t, per_sec in (("alpha", 4), ("beta", 2))]
        for t in steady:
            t.start()
        storm = Traffic(self.api, "storm", keys["storm"], 20)

        def tripped():
            return storm.send_one() == 429

        wait_for("storm's burst opens its breaker (429)", tripped, 60)
        self.assertTrue(self.open_tenant_breakers("storm"), "the API shows storm's tenant breaker open")
        storm.start()  # on at 20 a second, each refused while the breaker is open

        driver = self.start_browser()
        driver.get(self.base + "/dashboard")
        login = driver.find_element(By.ID, "login")
        self.assertTrue(login.is_displayed(), "the page asks for the key first")
        driver.find_element(By.ID, "key").send_keys(ADMIN_KEY)
        driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()

        def listed():
            shown = self.cards(driver)
            active = [c for c in shown if c[0] in TENANTS]
            if len(active) == 3 and all(c[1] > 0 for c in active) and shown[0][0] == "storm":
                return shown
            return None

        shown = wait_for("the three tenants with non-zero rates, storm first", listed, 30)
        self.assertEqual(shown[0][2], "open", shown)
        banner = driver.find_element(By.ID, "alert")
        self.assertTrue(banner.is_displayed())
        self.assertIn("storm", banner.text)
        self.assertEqual(driver.execute_script("return sessionStorage.getItem('herald.admin_key')"), ADMIN_KEY)
        self.assertNotIn(ADMIN_KEY, driver.current_url)
        chart = driver.find_elements(By.CSS_SELECTOR, '.tenant[data-tenant="storm"] .chart canvas')
        self.assertTrue(chart, "storm's chart is drawn (uPlot's canvas)")
        driver.save_screenshot(ARGS.screenshot)

        storm.stop.set()
        storm.join(10)

        def reset_clicked():
            driver.find_element(
                By.CSS_SELECTOR, '.tenant[data-tenant="storm"] button[data-action="reset"][data-kind="tenant"]'
            ).click()
            return True

        wait_for("storm's Reset button is clicked", reset_clicked, 10)
        wait_for("the admin API shows storm's breaker closed", lambda: not self.open_tenant_breakers("storm"), 10)

        def page_says_closed():
            states = {c[0]: c[2] for c in self.cards(driver)}
            return states.get("storm") == "closed" and not banner.is_displayed()

        wait_for("the page shows storm's breaker closed and no banner", page_says_closed, 10)
        for t in steady:
            t.stop.set()
        for t in steady:
            t.join(10)

        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        self.assertEqual(errors, [], "the browser logged errors")
        for t in steady:
            self.assertGreater(t.statuses.get(202, 0), 0, t.statuses)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--herald", required=True)
    parser.add_argument("--screenshot", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.herald = os.path.abspath(ARGS.herald)  # herald up runs in its own folder
    ARGS.screenshot = os.path.abspath(ARGS.screenshot)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

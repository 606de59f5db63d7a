#!/usr/bin/env python3
"""The simulator's live view (GET /, src/sim/live_page.cpp) in a real browser.

Starts `mesoshttp sim` on 127.0.0.1, headless Chromium under chromedriver
(WebDriver over HTTP: the Python standard library has no WebSocket client for
the DevTools protocol), loads the page, checks that the agents show, launches a
task with `mesoshttp run` through the scheduler API, and polls the page's DOM
until the task's row appears and shows TASK_FINISHED, without reloading it;
then moves leadership to the other master and sees the page follow it.

Exits 77 (ctest's SKIP_RETURN_CODE) when chromium or chromedriver is not
installed: scripts/setup.sh installs them from Debian.

Usage: live_page_browser_test.py PATH/TO/mesoshttp
"""
import http.client
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
import urllib.error
import urllib.request

SKIP = 77
# Generous: a loaded 2-core CI machine starts Chromium slowly.
OVERALL_SECONDS = 240
TASK_NAME = "live-page-browser-check"


def log(*parts):
    print("live_page_browser_test:", *parts, flush=True)


def find_browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()

    def check(self, what):
        if self.left() <= 0:
            raise AssertionError("timed out: " + what)


class WebDriver:
    """The few WebDriver commands the test needs, as JSON over HTTP."""

    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.session = None

    def _request(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read().decode() or "{}").get("value")
        except urllib.error.HTTPError as e:
            raise AssertionError("WebDriver %s %s: %d %s" % (method, path, e.code, e.read().decode()[:600]))

    def ready(self):
        try:
            return bool(self._request("GET", "/status", timeout=5).get("ready"))
        except (OSError, AssertionError, ValueError):
            return False

    def start(self, browser, profile_dir):
        # --remote-debugging-pipe: chromedriver talks to the browser over a
        # pipe, not TCP. On a fresh minimal Debian 12 root (CI's newcomer
        # check) the TCP way failed every time with "session not created:
        # unable to connect to renderer"; the pipe works there and here.
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--remote-debugging-pipe",
                "--user-data-dir=" + profile_dir]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome",
                                                 "goog:chromeOptions": {"binary": browser, "args": args}}}}
        value = self._request("POST", "/session", caps, timeout=120)
        self.session = value["sessionId"]

    def get(self, url):
        self._request("POST", "/session/%s/url" % self.session, {"url": url}, timeout=60)

    def script(self, source):
        return self._request("POST", "/session/%s/execute/sync" % self.session, {"script": source, "args": []})

    def quit(self):
        if self.session:
            try:
                self._request("DELETE", "/session/" + self.session, timeout=30)
            except (OSError, AssertionError):
                pass
            self.session = None


# What the page shows, read from its DOM (the ids and data attributes that
# live_page.cpp documents).
READ_PAGE = """
const rows = sel => Array.from(document.querySelectorAll(sel));
const fields = tr => Object.fromEntries(Array.from(tr.querySelectorAll('td[data-field]'))
                                             .map(td => [td.dataset.field, td.textContent]));
return {
  port: location.port,
  connection: document.getElementById('connection').dataset.state,
  detail: document.getElementById('detail').textContent,
  agents: rows('#agents tr[data-agent-id]').map(tr => Object.assign({id: tr.dataset.agentId}, fields(tr))),
  frameworks: rows('#frameworks tr[data-framework-id]').map(tr => ({id: tr.dataset.frameworkId,
                                                                     state: tr.dataset.state})),
  offers: rows('#offers tr[data-offer-id]').map(tr => ({id: tr.dataset.offerId, agent: tr.dataset.agentId})),
  tasks: rows('#tasks tr[data-task-id]').map(tr => ({id: tr.dataset.taskId, name: tr.dataset.taskName,
                                                     state: tr.dataset.state})),
};
"""


def wait_for(driver, deadline, what, predicate, interval=0.1):
    """Polls the page until predicate(page) is truthy; returns that value."""
    page = None
    while True:
        try:
            page = driver.script(READ_PAGE)
        except AssertionError as e:
            # While the page moves to another master the script may find no
            # document (or a half-loaded one): read again.
            page = {"error": str(e)[:300]}
        found = "error" not in page and predicate(page)
        if found:
            return found, page
        if deadline.left() <= 0:
            raise AssertionError("timed out waiting for %s; the page shows %s" % (what, json.dumps(page)))
        time.sleep(interval)


def hold_offers(master):
    """Subscribes a framework through the scheduler API and leaves it be."""
    host, port = master[len("http://"):].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    body = json.dumps({"type": "SUBSCRIBE",
                       "subscribe": {"framework_info": {"user": "root", "name": "offer-holder"}}})
    connection.request("POST", "/api/v1/scheduler", body=body,
                       headers={"Content-Type": "application/json", "Accept": "application/json"})
    response = connection.getresponse()
    assert response.status == 200, "SUBSCRIBE answered %d" % response.status
    return connection


def start_sim(cli, deadline):
    # Simulated tasks run 3 s, so the page can show one running before it finishes.
    sim = subprocess.Popen([cli, "sim", "--port", "0", "--masters", "2", "--agents", "2", "--cpus", "2",
                            "--mem", "1024",
                            "--heartbeat", "2", "--task-seconds", "3"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []

    def read_masters():
        for _ in range(2):
            lines.append(sim.stdout.readline())

    reader = threading.Thread(target=read_masters, daemon=True)
    reader.start()
    reader.join(max(1.0, min(60.0, deadline.left())))
    # "master 0 http://127.0.0.1:PORT (leader)", then "master 1 http://127.0.0.1:PORT"
    urls = [line.split()[2] for line in lines if len(line.split()) >= 3 and line.split()[2].startswith("http://")]
    if len(urls) != 2 or "(leader)" not in lines[0]:
        sim.kill()
        raise AssertionError("mesoshttp sim did not print its two masters: %r" % lines)
    # Keep draining its output so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in sim.stdout], daemon=True).start()
    return sim, urls


def start_chromedriver(chromedriver, deadline):
    # The free port may be taken before chromedriver binds it: then it exits,
    # and another port is tried.
    for _ in range(5):
        port = free_port()
        process = subprocess.Popen([chromedriver, "--port=%d" % port],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        driver = WebDriver(port)
        try:
            while process.poll() is None and not driver.ready():
                deadline.check("chromedriver to start")
                time.sleep(0.2)
        except AssertionError:
            stop(process)
            raise
        if process.poll() is None:
            return process, driver
        log("chromedriver exited with %d on port %d; trying another port" % (process.returncode, port))
    raise AssertionError("chromedriver did not start")


def stop(process):
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(cli, browser, chromedriver):
    deadline = Deadline(OVERALL_SECONDS)
    sim = driver_process = None
    driver = None
    profile = tempfile.mkdtemp(prefix="live-page-chromium-")
    try:
        sim, masters = start_sim(cli, deadline)
        master = masters[0]
        log("simulator at", " and ".join(masters), "(the first leads)")

        driver_process, driver = start_chromedriver(chromedriver, deadline)
        driver.start(browser, profile)
        driver.get(master + "/")
        log("page loaded")

        _, page = wait_for(driver, deadline, "the event stream and both agents",
                           lambda p: p["connection"] == "connected" and len(p["agents"]) == 2)
        for agent in page["agents"]:
            assert agent["free-cpus"] == "2" and agent["used-cpus"] == "0", agent
            assert agent["free-mem"] == "1024", agent
        log("agents shown:", ", ".join(a["id"] for a in page["agents"]))

        # A framework that only subscribes holds the offers it gets: the page
        # lists them, and drops them (and the framework) when it goes away.
        holder = hold_offers(master)
        try:
            _, page = wait_for(driver, deadline, "the held offers on both agents",
                               lambda p: len(p["offers"]) == 2 and len({o["agent"] for o in p["offers"]}) == 2)
            log("offers shown:", ", ".join(o["id"] for o in page["offers"]))
        finally:
            holder.close()
        wait_for(driver, deadline, "the offers gone with their framework", lambda p: not p["offers"])

        launched = subprocess.Popen([cli, "run", "--master", master, "--name", TASK_NAME,
                                     "--cpus", "0.5", "--mem", "64", "--", "true"],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        states = []

        def our_task(p):
            for t in p["tasks"]:
                if t["name"] == TASK_NAME:
                    if not states or states[-1] != t["state"]:
                        states.append(t["state"])
                    return t
            return None

        task, page = wait_for(driver, deadline, "the task's row", our_task)
        log("task row appeared:", task["id"], task["state"])
        seen_using = [False]

        def finished(p):
            t = our_task(p)
            if t and t["state"] == "TASK_RUNNING":
                seen_using[0] = seen_using[0] or any(a["used-cpus"] == "0.5" for a in p["agents"])
            return t if t and t["state"] == "TASK_FINISHED" else None

        task, page = wait_for(driver, deadline, "TASK_FINISHED in the task's row", finished)
        log("states seen on the page:", " -> ".join(states))
        log("frameworks shown:", json.dumps(page["frameworks"]))
        if seen_using[0]:
            log("an agent showed the running task's 0.5 CPUs used")

        try:
            output, _ = launched.communicate(timeout=max(1.0, deadline.left()))
        except subprocess.TimeoutExpired:
            launched.kill()
            output, _ = launched.communicate()
        assert launched.returncode == 0, "mesoshttp run exited %s:\n%s" % (launched.returncode, output)
        # Once it ended, every agent is free again.
        wait_for(driver, deadline, "the agents' CPUs free again",
                 lambda p: all(a["used-cpus"] == "0" for a in p["agents"]))

        # Leadership moves: the stream ends, the old leader's GET / sends the
        # page to the new leader's, which it follows from then on.
        fault = urllib.request.Request(master + "/sim/fault", data=b'{"fault":"elect","master":1}', method="POST",
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(fault, timeout=30) as r:
            assert r.status == 200, r.status
        new_port = masters[1].rsplit(":", 1)[1]
        wait_for(driver, deadline, "the page on the new leader, subscribed",
                 lambda p: p["port"] == new_port and p["connection"] == "connected" and len(p["agents"]) == 2)
        log("after the leader changed, the page follows", masters[1])
        log("PASS: the task appeared on the live page and finished")
        return 0
    finally:
        if driver:
            driver.quit()
        stop(driver_process)
        stop(sim)
        shutil.rmtree(profile, ignore_errors=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    cli = sys.argv[1]
    browser = find_browser()
    chromedriver = shutil.which("chromedriver")
    if not browser or not chromedriver:
        log("SKIP: needs chromium and chromedriver (Debian: chromium, chromium-driver; scripts/setup.sh "
            "installs them); found browser=%s chromedriver=%s" % (browser, chromedriver))
        return SKIP
    if not os.access(cli, os.X_OK):
        log("no executable at", cli)
        return 2
    try:
        return run(cli, browser, chromedriver)
    except AssertionError as e:
        log("FAIL:", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())

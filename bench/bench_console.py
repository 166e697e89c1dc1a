"""Benchmark: the dispatcher console's input latency under a live position feed.

A real server process (uvicorn, SQLite file) with 1,000 units, each with a device and a last
position; the dispatcher console in headless Chromium (Playwright, /usr/bin/chromium) signed in
and connected over the real WebSocket. Then, for ``--seconds`` each:

1. idle (reference, same run): no positions arrive;
2. load: ``wrk`` (a C load generator, never the limit) sends Traccar Client (OsmAnd) fixes of
   all the units at a steady ``--rate`` per second (``bench/wrk/osmand_paced.lua``: each
   connection pauses between requests), every unit moving a metre at a time; they reach the
   page as ``position`` events over the WebSocket.

In both phases the script clicks a unit in the list and presses Enter on it every
``--input-every`` seconds (real input through the browser, which centres the map on the unit).
Measured inside the page: the time from each input event's timestamp to its handler and to the
next animation frame, the Event Timing API duration (input to next paint), how often a 100 ms
timer fired against how often it should have, long tasks (PerformanceObserver ``longtask``),
animation frames per second, and the position events the page received (counted on its
WebSocket; flagged fixes, which never move a marker, counted apart). Printed: those numbers per
phase, the loaded/idle ratios, what ``wrk`` got answered, and whether the target (p99
input-to-next-frame < 100 ms at 200 events/s with 1,000 units) is met — at the event rate the
page actually received, which the server may not keep up with on a loaded machine.

Run: ``python bench/bench_console.py [--units 1000] [--rate 200] [--seconds 20]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

sys.path.insert(0, str(Path(__file__).parent))
from bench_ops import free_port
from bench_ops_wrk import prepare as prepare_devices
from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.ops.models import devices
from pasienis.ops.models import units as units_table
from pasienis.security import Role
from pasienis.security.users import create_user
from pasienis.store import open_store

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # A background tab's timers are throttled; the console is the tab being looked at.
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
]  # fmt: skip
PASSWORD = "bench password for the console 1"  # noqa: S105 - a throw-away account
SERVER = (
    "import uvicorn\nfrom pasienis.api import create_app\n"
    "uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning',"
    " access_log=False, timeout_keep_alive=60)\n"
)
# Installed before the page's own scripts: the instruments the numbers come from.
INSTRUMENTS = """
(() => {
  const B = window.__bench = { inputs: [], ticks: 0, frames: 0, longtasks: [], timing: [],
    messages: 0, positions: 0, flagged: 0 };
  setInterval(() => { B.ticks += 1; }, 100);
  const frame = () => { B.frames += 1; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) B.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === "pointerdown" || e.name === "keydown" || e.name === "click")
        B.timing.push([e.name, e.startTime, e.processingStart - e.startTime, e.duration]);
    }
  }).observe({ type: "event", durationThreshold: 16, buffered: true });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        B.messages += 1;
        if (!event.data.includes('"position"')) return;
        const message = JSON.parse(event.data);
        if (message.type !== "position") return;
        if (message.flags && message.flags.length) B.flagged += 1;
        else B.positions += 1;
      });
    }
  };
  for (const type of ["pointerdown", "keydown"]) {
    // Capture on window: the first code to run for the input; the app's handler follows.
    window.addEventListener(type, (event) => {
      const start = event.timeStamp;
      const handler = performance.now() - start;
      requestAnimationFrame(() => B.inputs.push([type, start, handler, performance.now() - start]));
    }, true);
  }
})();
"""


def prepare(db: Path, n: int, t0: int) -> None:
    """``n`` units with devices ``d<i>`` (secret ``bench-secret-<i>``, as bench_ops_wrk makes
    them), each last seen where the paced feed starts it, and a dispatcher account."""
    prepare_devices(db, n)
    store = open_store(Settings(database_url=f"sqlite:///{db}"))
    seen = datetime.fromtimestamp(t0, UTC) - timedelta(minutes=5)
    with store.begin() as conn:
        ids = conn.execute(select(devices.c.id, devices.c.unit_id)).all()
        for device_id, unit_id in ids:
            i = int(device_id[1:])
            # Where osmand_paced.lua (common.lua) puts device i: no jump, so no too_fast flag.
            conn.execute(
                update(units_table)
                .where(units_table.c.id == unit_id)
                .values(last_lat=54.6, last_lon=25.2 + i * 0.001, last_fix_at=seen)
            )
        create_user(conn, name="bench-disp", roles=[Role.dispatcher], password=PASSWORD)
    store.dispose()


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SERVER.format(port=port)], env={**os.environ, **env}
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):  # a loaded machine can take a minute to import the app
        try:
            httpx.get(f"{url}/openapi.json", timeout=1).raise_for_status()
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def start_feed(url: str, args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen[str]:
    """``wrk`` at about ``args.rate`` fixes/s: 60 connections, each pausing between requests
    (allowing ~50 ms per answer, as measured here; the rate reached is measured, not assumed)."""
    connections = 60
    pause_ms = max(1, round(1000 * connections / args.rate) - 50)
    return subprocess.Popen(  # noqa: S603 - wrk from the Debian package
        [  # noqa: S607
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{int(args.seconds + 4)}s",
            "--timeout",
            "10s",
            "-s",
            str(HERE / "wrk" / "osmand_paced.lua"),
            url,
        ],
        env={**os.environ, **env, "BENCH_DELAY_MS": str(pause_ms)},
        stdout=subprocess.PIPE,
        text=True,
    )


def feed_result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate(timeout=120)
    line = next((x for x in out.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def unit_item_centre(page: Any, index: int) -> tuple[float, float]:
    box = page.evaluate(
        """(i) => { const li = document.querySelectorAll('#units li')[i];
        const r = li.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }""",
        index,
    )
    return float(box[0]), float(box[1])


def reset(page: Any) -> None:
    page.evaluate(
        """() => { const B = window.__bench; B.inputs = []; B.timing = []; B.longtasks = [];
        B.ticks = 0; B.frames = 0; B.positions = 0; B.flagged = 0; B.messages = 0;
        B.t0 = performance.now(); }"""
    )


def phase(page: Any, seconds: float, input_every: float) -> dict[str, Any]:
    """Input by mouse and keyboard for ``seconds``; what the page measured meanwhile."""
    reset(page)
    wall = time.monotonic()
    n = 0
    round_trips: list[float] = []
    while time.monotonic() - wall < seconds:
        x, y = unit_item_centre(page, n % 8)
        t = time.perf_counter()
        page.mouse.click(x, y)  # focuses the item and centres the map on its unit
        page.keyboard.press("Enter")  # the same item, activated by keyboard
        round_trips.append(time.perf_counter() - t)
        n += 1
        pause = wall + n * input_every - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    result = page.evaluate(
        """() => { const B = window.__bench; return { inputs: B.inputs, timing: B.timing,
        longtasks: B.longtasks, ticks: B.ticks, frames: B.frames, positions: B.positions,
        flagged: B.flagged, messages: B.messages, ms: performance.now() - B.t0,
        markers: document.querySelectorAll('#units li[data-lat]').length }; }"""
    )
    result["round_trips"] = round_trips
    return result


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def summary(name: str, r: dict[str, Any]) -> dict[str, float]:
    seconds = r["ms"] / 1000
    handler = [x[2] for x in r["inputs"]]
    frame = [x[3] for x in r["inputs"]]
    long_total = sum(d for _s, d in r["longtasks"])
    paint = [x[3] for x in r["timing"]]
    s = {
        "inputs": len(handler),
        "handler_p50": statistics.median(handler) if handler else float("nan"),
        "handler_p99": pct(handler, 0.99),
        "frame_p50": statistics.median(frame) if frame else float("nan"),
        "frame_p99": pct(frame, 0.99),
        "frame_max": max(frame, default=float("nan")),
        "paint_max": max(paint, default=0.0),
        "paint_over_100": sum(1 for d in paint if d >= 100),
        "ticks": r["ticks"],
        "ticks_expected": seconds * 10,
        "fps": r["frames"] / seconds,
        "long_n": len(r["longtasks"]),
        "long_share": long_total / r["ms"],
        "long_max": max((d for _s, d in r["longtasks"]), default=0.0),
        "events_per_s": r["positions"] / seconds,
        "flagged": r["flagged"],
        "round_trip_p99": 1000 * pct(r["round_trips"], 0.99),
    }
    print(
        f"{name}: {s['inputs']} inputs; to handler p50 {s['handler_p50']:.1f} ms, p99 "
        f"{s['handler_p99']:.1f} ms; to next frame p50 {s['frame_p50']:.1f} ms, p99 "
        f"{s['frame_p99']:.1f} ms, max {s['frame_max']:.1f} ms; input-to-paint (Event Timing) "
        f"max {s['paint_max']:.0f} ms, {s['paint_over_100']} inputs >= 100 ms; 100 ms timer fired "
        f"{s['ticks']} of {s['ticks_expected']:.0f}; {s['fps']:.0f} frames/s; long tasks "
        f"{s['long_n']} ({100 * s['long_share']:.1f} % of the time, longest {s['long_max']:.0f} "
        f"ms); position events received {s['events_per_s']:.0f}/s (and {s['flagged']} flagged); "
        f"{r['markers']} unit markers; "
        f"click+key round trip from Playwright p99 {s['round_trip_p99']:.0f} ms",
        flush=True,
    )
    return s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="position fixes per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="per phase")
    parser.add_argument("--input-every", type=float, default=0.25)
    args, _ = parser.parse_known_args()
    if not Path(CHROMIUM).exists():
        print(f"skipped: Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk (apt-get install -y wrk)")
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    t0 = int(time.time()) - 240  # the feed's fix times: in the past, rising 1 s per round
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "console.db"
        install_model(Settings(data_dir=Path(tmp)))
        prepare(db, args.units, t0)
        env = {
            "PASIENIS_DATA_DIR": tmp,
            "PASIENIS_DATABASE_URL": f"sqlite:///{db}",
            "PASIENIS_OPS_ESCALATION_INTERVAL_S": "3600",
            "PASIENIS_OPS_MQTT_ENABLED": "false",
            "PASIENIS_COOKIE_SECURE": "false",
            "BENCH_LUA_DIR": str(HERE / "wrk"),
            "BENCH_DEVICES": str(args.units),
            "BENCH_THREADS": "1",
            "BENCH_T0": str(t0),
        }
        server, url = start_server(env)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.add_init_script(INSTRUMENTS)
                page.goto(f"{url}/web/dispatch/")
                page.fill("#login-form input[name=name]", "bench-disp")
                page.fill("#login-form input[name=password]", PASSWORD)
                page.click("#login-form button[type=submit]")
                page.wait_for_selector("#conn.online", timeout=120_000)
                page.wait_for_function(
                    "(n) => document.querySelectorAll('#units li[data-lat]').length >= n",
                    arg=args.units,
                    timeout=120_000,
                )
                page.evaluate("() => document.querySelector('#units').scrollIntoView()")
                idle = summary("idle (reference)", phase(page, args.seconds, args.input_every))
                cpu0 = cpu_seconds(server.pid)
                feed = start_feed(url, args, env)
                time.sleep(2)  # the feed reaches its rate
                loaded_raw = phase(page, args.seconds, args.input_every)
                result = feed_result(feed)
                cpu = cpu_seconds(server.pid) - cpu0
                loaded = summary(f"{args.rate:.0f} fixes/s asked, {args.units} units", loaded_raw)
                browser.close()
        finally:
            server.terminate()
            server.wait(30)
    print(
        f"feed (wrk): {result['requests']} fixes ({result['rate']:.0f}/s), {result['accepted']} "
        f"answered 2xx, {result['refused']} refused, {result['other']} other, "
        f"{result['socket_errors']} socket errors; answer p50 {result['p50_ms']:.0f} ms, p99 "
        f"{result['p99_ms']:.0f} ms; server CPU {cpu / (result['duration_us'] / 1e6):.2f} cores",
        flush=True,
    )
    on_time = loaded["ticks"] / loaded["ticks_expected"]
    on_time /= idle["ticks"] / idle["ticks_expected"]
    print(
        f"ratios loaded/idle: input to next frame p99 "
        f"{loaded['frame_p99'] / idle['frame_p99']:.2f}, timer firing {on_time:.2f}"
        f", frames/s {loaded['fps'] / idle['fps']:.2f}",
        flush=True,
    )
    met = (
        loaded["frame_p99"] < 100
        and loaded["events_per_s"] >= 0.9 * args.rate
        and loaded["ticks"] >= 0.9 * loaded["ticks_expected"]
    )
    print(
        f"target (p99 input to next frame < 100 ms, >= 90 % of the {args.rate:.0f} events/s "
        f"received, 100 ms timer >= 90 % on time): {'met' if met else 'NOT met'}; "
        f"load average after: {os.getloadavg()[0]:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()

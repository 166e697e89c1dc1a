"""Benchmark: the cost of a device's first authentication (nothing cached in the process).

Issue 19 measured ~190 ms of argon2 for the first fix of each newly enrolled device (200
devices took 38 s to warm up). Device secrets are now 256 random bits stored as SHA-256; the
reference in the same run is the argon2 hash (argon2-cffi defaults, what was stored before)
verified the same way through ``authenticate_device`` on a SQLite store. Prints ms per device
for both and the ratio.

Run: ``python bench/bench_device_auth.py [--devices 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import update

from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.models import devices
from pasienis.store import Store, open_store, upgrade


def _enrol(store: Store, count: int, *, legacy: bool) -> list[tuple[str, str]]:
    hasher = PasswordHasher()
    creds = []
    with store.begin() as conn:
        unit = service.add_unit(conn, call_sign=f"U-{'A' if legacy else 'S'}")
        for i in range(count):
            device_id = f"{'a' if legacy else 's'}{i:05d}"
            _row, secret = service.add_device(conn, device_id=device_id, unit_ref=unit["id"])
            if legacy:
                conn.execute(
                    update(devices)
                    .where(devices.c.id == device_id)
                    .values(secret_hash=hasher.hash(secret))
                )
            creds.append((device_id, secret))
    return creds


def _first_auth_ms(store: Store, creds: list[tuple[str, str]]) -> list[float]:
    times = []
    for device_id, secret in creds:
        start = time.perf_counter()
        with store.read() as conn:
            service.authenticate_device(conn, device_id=device_id, secret=secret)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    args, _ = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}"))
        upgrade(store)
        legacy = _enrol(store, args.devices, legacy=True)
        fast = _enrol(store, args.devices, legacy=False)
        argon2_ms = _first_auth_ms(store, legacy)
        sha_ms = _first_auth_ms(store, fast)
        store.dispose()
    a, s = statistics.median(argon2_ms), statistics.median(sha_ms)
    print(f"devices: {args.devices}, first authentication of each (cold process cache)")
    print(f"argon2 (reference): median {a:.2f} ms, total {sum(argon2_ms) / 1000:.2f} s")
    print(f"sha256 (now):       median {s:.3f} ms, total {sum(sha_ms) / 1000:.3f} s")
    print(f"ratio argon2/sha256 (median): {a / s:.0f}x")


if __name__ == "__main__":
    main()

"""Benchmark: the morning's compute_flags for 100,000 clients with 60 days of history.

Run: ``.venv/bin/python bench/signals_compute.py [--clients 100000] [--days 60] [--sample 200]``

Prints the vectorised time, a naive per-client loop's time (compute_flags called client by
client on a sample, extrapolated to all clients: labelled as such), their ratio, and peak
memory (tracemalloc peak of the compute itself; process peak RSS).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from datetime import date, timedelta

import numpy as np

from checkin.signals import compute_flags
from checkin.signals.synthetic import stable_clients


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--sample", type=int, default=200)
    args = ap.parse_args()

    start = date(2026, 1, 1)
    today = start + timedelta(days=args.days)
    t = time.perf_counter()
    entries, clients = stable_clients(args.clients, args.days, start, seed=1)
    print(
        f"data: {args.clients:,} clients x {args.days} days = {len(entries):,} entries"
        f" (generated in {time.perf_counter() - t:.1f} s)"
    )

    compute_flags(entries.head(1000), clients.head(50), today)  # warm-up (imports, caches)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        flags = compute_flags(entries, clients, today)
        times.append(time.perf_counter() - t)
    vec = min(times)
    kinds: dict[str, int] = {}
    for f in flags:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    print(
        f"vectorised compute_flags: {vec:.2f} s (best of 3: {', '.join(f'{x:.2f}' for x in times)})"
        f"; {len(flags):,} flags {kinds}"
    )

    rng = np.random.default_rng(0)
    sample = rng.choice(clients["client_id"].to_numpy(), args.sample, replace=False)
    by_client = {
        cid: g for cid, g in entries[entries["client_id"].isin(sample)].groupby("client_id")
    }
    rows = {cid: clients[clients["client_id"] == cid] for cid in sample}
    t = time.perf_counter()
    for cid in sample:
        compute_flags(by_client[cid], rows[cid], today)
    per_client = (time.perf_counter() - t) / args.sample
    naive = per_client * args.clients
    print(
        f"naive per-client loop: {per_client * 1000:.2f} ms/client on a sample of {args.sample}"
        f" -> EXTRAPOLATED {naive:.0f} s for {args.clients:,} clients"
    )
    print(f"ratio naive / vectorised: {naive / vec:.0f}x")

    tracemalloc.start()
    compute_flags(entries, clients, today)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory of compute_flags (tracemalloc): {peak / 2**20:.0f} MiB;"
        f" process peak RSS (incl. data): {rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()

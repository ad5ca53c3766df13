"""Loopback benchmark: the production gunicorn config serving our app vs a bare WSGI app.

Not a test (nothing here asserts timing). It answers "what does our stack cost per request?":
the same load, same gunicorn config and same machine against a "hello" WSGI callable gives
the ceiling, and ours/ceiling is the figure to watch across changes. Runs in about 40 s:
    python -m app.bench --report reports/bench-app.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.settings import Settings

CONF = Path(__file__).with_name("gunicorn.conf.py")
PAYLOAD = json.dumps({"sensor": "kindlab", "values": list(range(20))}).encode()
SCENARIOS = {"health": ("GET", "/health", None), "data": ("POST", "/data", PAYLOAD)}
TARGETS = {"ours": "app:create_app()", "ceiling": "app.bench:hello_app"}


def hello_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """The ceiling: a WSGI callable that does nothing but answer."""
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


@contextmanager
def gunicorn(target: str, workdir: Path) -> Iterator[int]:
    """The production config serving `target` on a free loopback port; stopped on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PORT": str(port),
        "APP_STATE_DIR": str(workdir / target / "state"),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / target / "metrics"),
        "SHUTDOWN_DRAIN_SECONDS": "0",  # nothing to drain in a benchmark
    }
    log = (workdir / f"{target}.log").open("w")
    argv = [sys.executable, "-m", "gunicorn", "-c", str(CONF), "-b", f"127.0.0.1:{port}", target]
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(port, server)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start within 30 s")


def _client(port: int, scenario: str, seconds: float, threads: int) -> tuple[list[float], int]:
    """One load process: `threads` keep-alive connections looping until the deadline."""
    method, path, body = SCENARIOS[scenario]
    headers = {"Content-Type": "application/json"} if body else {}
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                reply = conn.getresponse()
                reply.read()
                ok = reply.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, errors[0]


def measure(port: int, scenario: str, seconds: float, processes: int, threads: int) -> dict:
    _client(port, scenario, 0.5, threads)  # warm-up: imports, first connections
    with ProcessPoolExecutor(processes) as pool:
        futures = [pool.submit(_client, port, scenario, seconds, threads) for _ in range(processes)]
        runs = [future.result() for future in futures]
    latencies = sorted(latency for run in runs for latency in run[0])
    return {
        "requests": len(latencies),
        "errors": sum(run[1] for run in runs),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
    }


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=Path("reports/bench-app.json"))
    parser.add_argument("--seconds", type=float, default=7.0, help="per scenario and target")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per process")
    args = parser.parse_args(argv)

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="kindlab-bench-") as tmp:
        settings = Settings.from_env({**os.environ, "APP_STATE_DIR": tmp})
        for name, target in TARGETS.items():
            with gunicorn(target, Path(tmp)) as port:
                for scenario in SCENARIOS:
                    print(f"[bench] {name}: {scenario} for {args.seconds:g}s ...", flush=True)
                    results.setdefault(name, {})[scenario] = measure(
                        port, scenario, args.seconds, args.processes, args.threads
                    )
                    print(f"[bench]   {results[name][scenario]}", flush=True)
    report = {
        "what": "loopback load, production gunicorn config; ceiling = bare WSGI app, same config",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load": {
            "seconds_per_scenario": args.seconds,
            "connections": args.processes * args.threads,
            "keep_alive": True,
            "data_payload_bytes": len(PAYLOAD),
        },
        "gunicorn": {"workers": settings.web_concurrency, "threads": settings.web_threads},
        "results": results,
        "ratio_ours_to_ceiling": {
            s: round(results["ours"][s]["rps"] / results["ceiling"][s]["rps"], 3) for s in SCENARIOS
        },
    }
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["ratio_ours_to_ceiling"]), f"-> {args.report}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

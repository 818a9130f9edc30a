"""Serving throughput: `mlflow models serve` of servecheck's model against kedro-mlflow's.

Both tools' models of the scoring project's `inference` pipeline (benchmarks/models.py) are
served side by side, each by `mlflow models serve --env-manager local` with the same number of
workers, on 127.0.0.1. A closed-loop client: a few threads, each with its own keep-alive
connection, each sending its next request as soon as the previous one is answered, a fixed
number of requests per round and server, of one row or of 1,000 rows (`dataframe_split`).
Rounds alternate the two servers; requests/s, p50 and p99 are medians over the rounds.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import generate
import models
import pandas as pd
from document import Section, Target, ms, table
from timing import BENCH_ENV, Plan, measure, script

HOST = "127.0.0.1"
WORKERS = 2  # `mlflow models serve -w`, the same for both models
CLIENTS = 4  # concurrent connections of the closed-loop client
ROWS = (1, 1_000)
PIPELINE = "inference"
FASTER = 2.0  # servecheck's model serves at least twice kedro-mlflow's requests per second
STARTUP = 180  # seconds a server may take to answer /ping
WARMUP = 1  # unmeasured rounds of each server first


class Load:
    """One round of the closed-loop client against one server: its request latencies kept."""

    def __init__(self, port: int, body: bytes, requests: int) -> None:
        self.port, self.body = port, body
        self.shares = [requests // CLIENTS + (i < requests % CLIENTS) for i in range(CLIENTS)]
        self.rounds: list[list[float]] = []

    def __call__(self) -> None:
        with ThreadPoolExecutor(CLIENTS) as pool:
            latencies = [t for share in pool.map(self._client, self.shares) for t in share]
        self.rounds.append(latencies)

    def percentile(self, centile: int) -> float:
        """The median over the measured rounds of each round's `centile`-th percentile."""
        return statistics.median(
            statistics.quantiles(latencies, n=100, method="inclusive")[centile - 1]
            for latencies in self.rounds[WARMUP:]
        )

    def _client(self, requests: int) -> list[float]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        latencies = []
        try:
            for _ in range(requests):
                start = time.perf_counter()
                _post(connection, self.body)
                latencies.append(time.perf_counter() - start)
        finally:
            connection.close()
        return latencies


def run(workdir: Path, plan: Plan) -> Section:
    """Serve both models, then alternate the closed-loop client between them, per size."""
    saved = models.build(workdir, (PIPELINE,))
    paths = {"servecheck": saved.servecheck(PIPELINE), "kedro-mlflow": saved.kedro_mlflow(PIPELINE)}
    # kedro-mlflow's pickle refers to the project's package, installed where it is served
    env = {"PYTHONPATH": str(saved.root / "src")}
    rows, targets = [], []
    with contextlib.ExitStack() as stack:
        ports = {
            name: stack.enter_context(_served(path, workdir / name, env))
            for name, path in paths.items()
        }
        for size, requests in zip(ROWS, plan.serving_requests, strict=True):
            body = _payload(generate.orders(size, seed=3))
            _check_same_predictions(ports, body)
            loads = {name: Load(port, body, requests) for name, port in ports.items()}
            times = measure(loads, plan.serving_rounds, warmup=WARMUP)
            throughput = {name: requests / times[name].median for name in loads}
            label = f"{size:,} row{'s' if size > 1 else ''}"
            rows += [
                [
                    label,
                    name,
                    f"{throughput[name]:.0f}",
                    ms(load.percentile(50)),
                    ms(load.percentile(99)),
                ]
                for name, load in loads.items()
            ]
            targets.append(
                Target(
                    f"served requests/s, servecheck / kedro-mlflow, {label}",
                    throughput["servecheck"] / throughput["kedro-mlflow"],
                    FASTER,
                    at_most=False,
                )
            )
    body = (
        f"`mlflow models serve --env-manager local -w {WORKERS}` of each tool's model of the"
        " scoring project's `inference` pipeline (the models of the latency benchmark), both"
        f" servers up side by side on {HOST}. A closed-loop client of {CLIENTS} threads (one"
        " keep-alive connection each, the next request sent when the previous one is"
        f" answered): {' and '.join(map(str, plan.serving_requests))} `/invocations` requests"
        " per round of one row and of 1,000 rows (`dataframe_split`), in"
        f" {plan.serving_rounds} round(s) that alternate the servers, after {WARMUP} unmeasured"
        " round(s) each. Both servers answer the same predictions (checked). Requests/s: the"
        " requests of a round over its wall time; p50 and p99: each round's percentiles of the"
        " request latency; all medians over the rounds. The client runs on the same machine"
        " and takes its share of the CPU from both servers alike.\n\n"
        + table(["request", "model", "requests/s", "p50", "p99"], rows)
    )
    return Section("Serving throughput", body, targets)


@contextlib.contextmanager
def _served(model: Path, logs: Path, env: Mapping[str, str]) -> Iterator[int]:
    """`mlflow models serve` of `model` on a free port, until the block ends: the port."""
    port = _free_port()
    logs.mkdir()
    log = (logs / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(script("mlflow")),
            *("models", "serve", "-m", str(model), "-h", HOST, "-p", str(port)),
            *("--env-manager", "local", "-w", str(WORKERS)),
        ],
        cwd=logs,
        env={
            **os.environ,
            **BENCH_ENV,
            **env,
            "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"])),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the server and its workers, stopped together
    )
    try:
        _wait_until_ready(server, port, logs / "server.log")
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _wait_until_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"mlflow models serve did not start:\n{log.read_text()[-3000:]}")
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            connection.request("GET", "/ping")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
        finally:
            connection.close()


def _check_same_predictions(ports: Mapping[str, int], body: bytes) -> None:
    answers = {}
    for name, port in ports.items():
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            answers[name] = pd.DataFrame(json.loads(_post(connection, body))["predictions"])
        finally:
            connection.close()
    expected, *others = answers.values()
    for other in others:
        pd.testing.assert_frame_equal(other, expected)


def _post(connection: http.client.HTTPConnection, body: bytes) -> bytes:
    connection.request(
        "POST", "/invocations", body=body, headers={"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"the server answered {response.status}: {answer[:500]!r}")
    return answer


def _payload(data: pd.DataFrame) -> bytes:
    split = json.loads(data.to_json(orient="split", index=False))
    return json.dumps({"dataframe_split": split}).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]

"""The hall benchmark's HTTP client (standard library only): one request per connection, as
sync workers close every connection anyway, and the laptops' network round trip if asked."""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 15  # seconds one request may take before the client gives up on it


def request(
    port: int, method: str, path: str, body: bytes | None = None, *, timeout=None, hold=0.0
):
    """One HTTP request on a new connection: (status, body, milliseconds to the last byte).

    `hold` seconds: the connection stays open that long after the answer was read, as a laptop's
    close reaches the server one network round trip after the answer left it. (The round trip
    before the answer holds no worker: the server accepts once the request has arrived.)"""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout or REQUEST_TIMEOUT)
    held = None
    try:
        start = time.perf_counter()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        if hold:
            # http.client closes the socket as soon as the answer is read; a second descriptor
            # keeps the connection open (no FIN) until it is closed too.
            held = socket.socket(fileno=os.dup(conn.sock.fileno()))
        response = conn.getresponse()
        data = response.read()
        milliseconds = (time.perf_counter() - start) * 1000
        if held is not None:
            time.sleep(hold)
        return response.status, data, milliseconds
    finally:
        conn.close()
        if held is not None:
            held.close()


def send_and_hang_up(port: int, path: str, body: bytes) -> None:
    """Send a POST and close the connection without reading the answer (a lost response)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(head + body)


def measure_rate(
    port: int, concurrency: int, seconds: float, path: str, bodies=None, *, hold=0.0
) -> tuple[float, int, int]:
    """Requests to `path` from `concurrency` threads for `seconds`, a GET or, with `bodies`,
    POSTs of those bodies in turn: (answered 200 per second, errors, answered 200)."""
    count, errors, lock = [0], [0], threading.Lock()
    end = time.monotonic() + seconds
    turn = itertools.cycle(bodies) if bodies else None

    def loop():
        while time.monotonic() < end:
            try:
                if turn is None:
                    status, _data, _ms = request(port, "GET", path, hold=hold)
                else:
                    status, _data, _ms = request(port, "POST", path, next(turn), hold=hold)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            with lock:
                count[0] += ok
                errors[0] += not ok

    start = time.monotonic()
    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count[0] / (time.monotonic() - start), errors[0], count[0]


def open_links(port: int, tokens: list[str], concurrency: int, hold=0.0) -> tuple[float, int]:
    """Every evaluator opens the seat link before scoring (GET state): the workers warm up, as
    they do in the hall. Returns (seconds, non-200 answers)."""
    start, failures = time.monotonic(), 0
    with ThreadPoolExecutor(concurrency) as pool:
        for status, _data, _ms in pool.map(
            lambda token: request(port, "GET", f"/s/{token}/state", hold=hold), tokens
        ):
            failures += status != 200
    return time.monotonic() - start, failures

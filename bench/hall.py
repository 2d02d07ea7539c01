"""The hall benchmark (issue 6, point 8): 300 evaluators × 30 reporters through the evaluator
JSON interface of the server run as in production (nginx in front of gunicorn's sync workers,
README "Serving the hall"; `--proxy none`: gunicorn alone), on 127.0.0.1 only.

    python bench/hall.py --mode spread --seconds 60          # arrivals spread over 60 s
    python bench/hall.py --mode burst                         # everything at once
    python bench/hall.py --mode burst --db postgres           # on PostgreSQL
    python bench/hall.py --mode spread --seconds 30 --chaos   # kill a worker, then the server
    python bench/hall.py --mode spread --rtt 20 --proxy none  # laptops 20 ms away, no nginx

It builds a fresh database (a SQLite file in a temporary folder, or the PostgreSQL database
`appraisal_bench`, created and dropped), a meeting with 30 reporters and 300 seat links, opens
scoring and starts `gunicorn appraisal.wsgi:application` with sync workers and nginx in front
of it, configured by `manage.py nginx_config`. Every seat sends a
ballot for every reporter with a ballot id of its own (uuid4); 5 % of acknowledged ballots
are sent again later and must get the same receipt; 1 % of requests are "dropped": the client
sends, hangs up without reading the answer and sends the same ballot again. Connection errors
and 5xx answers are retried with the same ballot id. Afterwards it reads the database and
prints what was sent, acknowledged, stored, lost and duplicated, the 5xx count, the submit
latency and, on the same server, the request rate of a bare view for comparison (in burst
mode also of two reference POSTs: without database, and with one plain INSERT).

A benchmark, not a test: it exits 0 when goals are missed (they are marked FAIL) and 2 only
when the run itself broke (server did not start, time limit reached).
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://appraisal:appraisal@127.0.0.1:5432/appraisal"
PG_BENCH_DB = "appraisal_bench"
GRADES = ["好", "较好", "一般", "差"]
sys.path.insert(0, str(ROOT))

from bench.client import (  # noqa: E402 (needs ROOT on the path)
    HOST,
    measure_rate,
    open_links,
    request,
    send_and_hang_up,
)
from bench.cpu_meter import CpuMeter, children, cpu_lines, cpu_seconds  # noqa: E402
from bench.front import Nginx, Serving  # noqa: E402
from bench.summary import REFERENCES, summary  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal.settings")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["spread", "burst"], default="spread")
    parser.add_argument("--seconds", type=float, default=60, help="spread: arrivals over (60)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--concurrency", type=int, help="client threads (burst: 200, spread: 64)")
    parser.add_argument("--seats", type=int, default=300)
    parser.add_argument("--reporters", type=int, default=30)
    parser.add_argument("--retry-share", type=float, default=0.05)
    parser.add_argument("--drop-share", type=float, default=0.01)
    parser.add_argument("--bare-seconds", type=float, default=5)
    parser.add_argument("--chaos", action="store_true", help="kill a worker, then the server")
    parser.add_argument(
        "--proxy",
        choices=["nginx", "none"],
        default="nginx",
        help="nginx in front, as the hall is served (nginx_config), or gunicorn alone",
    )
    parser.add_argument(
        "--rtt", type=float, default=0, help="the laptops' network round trip, ms (0)"
    )
    parser.add_argument("--timeout", type=float, help="hard limit of the submit phase, s")
    parser.add_argument(
        "--conn-max-age", help="CONN_MAX_AGE for the server (default: the app's, 0)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    args.concurrency = args.concurrency or (200 if args.mode == "burst" else 64)
    args.timeout = args.timeout or (args.seconds + 240 if args.mode == "spread" else 300)
    return args


# The database and the meeting ------------------------------------------------------------


def prepare_database(args, workdir: Path) -> str:
    """A fresh, empty database; its URL, also set as DATABASE_URL for Django."""
    if args.db == "sqlite":
        url = f"sqlite:///{workdir / 'hall.sqlite3'}"
    else:
        with pg_admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"
    os.environ["DATABASE_URL"] = url
    return url


def pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True)


def drop_database(args) -> None:
    if args.db == "postgres":
        with pg_admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")


@dataclass
class Hall:
    meeting_id: int
    tokens: list[str]
    orgs: list[str]
    maxima: dict[str, int]


def build_meeting(args) -> Hall:
    """Migrate, then a meeting with its reporters and seats, links issued, scoring open."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from meetings.models import ScoringState, Stage, StageError
    from tests.factories import make_committee, make_meeting, make_reporter

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        meeting = make_meeting(make_committee(code="HALL"))
        reporters = [make_reporter(meeting) for _ in range(args.reporters)]
        groups = list(meeting.scheme.groups.all())
        for n, group in enumerate(groups):
            meeting.add_seats(group, args.seats // len(groups) + (n < args.seats % len(groups)))
        tokens = [seat.issue_link() for seat in meeting.seats.all()]
    for stage in (Stage.REPORTS, Stage.LIVE):
        try:
            meeting.advance(stage)
        except StageError as error:
            print(f"note: the meeting stays at {meeting.stage}: {error}")
    meeting.set_scoring(ScoringState.OPEN)
    maxima = {i.code: int(i.max_points) for i in meeting.scheme.indicators.all()}
    return Hall(meeting.pk, tokens, [r.organization.code for r in reporters], maxima)


def stored_ballots(meeting_id: int) -> list[tuple[str, str, int, int]]:
    from django.db import connections

    from meetings.models import Ballot

    connections.close_all()
    rows = Ballot.objects.filter(reporter__meeting_id=meeting_id).values_list(
        "ballot_id", "receipt", "seat_id", "reporter_id"
    )
    return [(str(b), r, s, p) for b, r, s, p in rows]


def close_django_connections() -> None:
    from django.db import connections

    connections.close_all()


# The server ------------------------------------------------------------------------------


def answers(port: int) -> bool:
    """Whether the server on `port` answers the bare view."""
    try:
        return request(port, "GET", "/bench/bare", timeout=2)[0] == 200
    except (OSError, http.client.HTTPException):
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as `./run` starts it, with its output appended to one log file."""

    def __init__(self, args, port: int, database_url: str, log: Path):
        self.args, self.port, self.log = args, port, log
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.command = [
            *([str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]),
            "appraisal.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--threads",
            str(args.threads),
            # The rest from gunicorn.conf.py, read from ROOT as ./run reads it.
            "--chdir",
            str(ROOT),
        ]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "hall-benchmark-" + uuid.uuid4().hex,
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
        }
        if args.conn_max_age is not None:
            self.env["CONN_MAX_AGE"] = args.conn_max_age
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            if answers(self.port) and len(self.workers()) >= self.args.workers:
                return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def workers(self) -> list[int]:
        """The pids of the master's children (the workers), from /proc."""
        return children(self.process.pid)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the master and its live workers have used so far."""
        return cpu_seconds([self.process.pid, *self.workers()])

    def kill_worker(self) -> int:
        pid = random.choice(self.workers())
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """SIGKILL the master and every worker: a power cut of the server, not a shutdown."""
        workers = self.workers()
        self.process.kill()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in workers):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_all()


# The plan and the hallway ----------------------------------------------------------------


@dataclass
class Planned:
    path: str
    body: bytes
    ballot_id: str
    due: float
    drop: bool
    retry: bool


def plan(args, hall: Hall) -> list[Planned]:
    """Every seat's ballot for every reporter, with its arrival time (seconds from start)."""
    rng = random.Random(args.seed)
    ballots = []
    for token in hall.tokens:
        for org in hall.orgs:
            ballot_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            payload = {
                "ballot_id": ballot_id,
                "org": org,
                "scores": {
                    c: f"{rng.randint(m * 5, m * 10) / 10:.1f}" for c, m in hall.maxima.items()
                },
                "grade": rng.choice(GRADES),
            }
            ballots.append(
                Planned(
                    path=f"/s/{token}/ballots",
                    body=json.dumps(payload, ensure_ascii=False).encode(),
                    ballot_id=ballot_id,
                    due=rng.uniform(0, args.seconds) if args.mode == "spread" else 0.0,
                    drop=rng.random() < args.drop_share,
                    retry=rng.random() < args.retry_share,
                )
            )
    return ballots


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    posts: int = 0  # requests sent, including those hung up on
    answered: int = 0
    latencies: list[float] = field(default_factory=list)
    acked: dict[str, str] = field(default_factory=dict)
    status: dict[int, int] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    errors_5xx: list[str] = field(default_factory=list)
    connection_errors: int = 0
    dropped: int = 0
    retried: int = 0
    retry_mismatch: int = 0
    max_lag: float = 0.0
    first_send: float | None = None
    last_answer: float = 0.0
    answer_times: list[float] = field(default_factory=list)
    planned: int = 0
    first_sends: int = 0  # planned ballots sent (a first time)
    all_sent: float | None = None  # when the last planned ballot was sent a first time
    events: list[str] = field(default_factory=list)


class Scheduler:
    """Runs tasks at their due time on a bounded thread pool; knows when all are done."""

    def __init__(self, concurrency: int):
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="client")
        self.heap: list = []
        self.cv = threading.Condition()
        self.outstanding = 0
        self.seq = itertools.count()

    def add(self, due: float, fn, *args) -> None:
        with self.cv:
            heapq.heappush(self.heap, (due, next(self.seq), fn, args))
            self.outstanding += 1
            self.cv.notify_all()

    def run(self, deadline: float, stop: threading.Event) -> bool:
        """Dispatch until every task is done (True) or the deadline or stop comes (False)."""
        while True:
            with self.cv:
                now = time.monotonic()
                if self.outstanding == 0:
                    return True
                if now > deadline or stop.is_set():
                    return False
                if not self.heap or self.heap[0][0] > now:
                    wait = self.heap[0][0] - now if self.heap else 0.5
                    self.cv.wait(min(wait, 0.5))
                    continue
                _due, _seq, fn, args = heapq.heappop(self.heap)
            self.pool.submit(self._run, fn, args)

    def _run(self, fn, args) -> None:
        try:
            fn(*args)
        finally:
            with self.cv:
                self.outstanding -= 1
                self.cv.notify_all()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class Hallway:
    """The evaluators' laptops: send, retry on errors, resend some acknowledged ballots."""

    def __init__(self, args, port: int, total: int):
        self.args, self.port = args, port
        self.stats = Stats()
        self.stop = threading.Event()
        self.scheduler = Scheduler(args.concurrency)
        self.max_requests = 4 * total
        self.start = 0.0

    def play(self, ballots: list[Planned]) -> bool:
        self.start = time.monotonic()
        self.stats.planned = len(ballots)
        for ballot in ballots:
            self.scheduler.add(self.start + ballot.due, self.send, ballot)
        finished = self.scheduler.run(self.start + self.args.timeout, self.stop)
        self.stop.set()
        self.scheduler.shutdown()
        return finished

    def post(self, ballot: Planned) -> tuple[int, dict] | None:
        """POST until the server answers with something other than 5xx; None when stopped."""
        for attempt in itertools.count():
            if self.stop.is_set():
                return None
            with self.stats.lock:
                if self.stats.posts >= self.max_requests:
                    self.stop.set()
                    return None
                self.stats.posts += 1
                if self.stats.first_send is None:
                    self.stats.first_send = time.monotonic()
            try:
                status, data, ms = request(
                    self.port, "POST", ballot.path, ballot.body, hold=self.args.rtt / 1000
                )
            except (OSError, http.client.HTTPException):
                with self.stats.lock:
                    self.stats.connection_errors += 1
                time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.5))
                continue
            with self.stats.lock:
                self.stats.answered += 1
                self.stats.latencies.append(ms)
                self.stats.answer_times.append(time.monotonic())
                self.stats.status[status] = self.stats.status.get(status, 0) + 1
                self.stats.last_answer = time.monotonic()
                if status >= 500:
                    self.stats.errors_5xx.append(f"{status} {data[:200]!r}")
            if status >= 500:
                time.sleep(min(2.0, 0.05 * 2**attempt))
                continue
            try:
                return status, json.loads(data)
            except ValueError:
                return status, {"raw": data[:200].decode(errors="replace")}
        return None

    def send(self, ballot: Planned) -> None:
        now = time.monotonic()
        with self.stats.lock:
            self.stats.max_lag = max(self.stats.max_lag, now - (self.start + ballot.due))
            self.stats.first_sends += 1
            if self.stats.first_sends == self.stats.planned:
                self.stats.all_sent = now
        if ballot.drop:
            with self.stats.lock:
                self.stats.posts += 1
                self.stats.dropped += 1
            with contextlib.suppress(OSError):
                send_and_hang_up(self.port, ballot.path, ballot.body)
            time.sleep(random.uniform(0.0, 0.2))  # then the laptop sends it again
        answer = self.post(ballot)
        if answer is None:
            return
        status, data = answer
        with self.stats.lock:
            if status == 200 and data.get("ballot_id") == ballot.ballot_id:
                self.stats.acked[ballot.ballot_id] = data["receipt"]
            else:
                self.stats.rejected.append(f"{status} {data}")
                return
        if ballot.retry:
            self.scheduler.add(time.monotonic() + random.uniform(0.2, 3.0), self.resend, ballot)

    def resend(self, ballot: Planned) -> None:
        """An acknowledged ballot sent again (a reload, a flaky network): the same receipt."""
        answer = self.post(ballot)
        if answer is None:
            return
        status, data = answer
        with self.stats.lock:
            self.stats.retried += 1
            if status != 200 or data.get("receipt") != self.stats.acked[ballot.ballot_id]:
                self.stats.retry_mismatch += 1
                self.stats.rejected.append(f"retry: {status} {data}")


# Chaos and progress ----------------------------------------------------------------------


def watch(hallway: Hallway, server: Server, total: int, chaos: bool) -> None:
    """Print progress every 5 s; in chaos mode kill a worker at 1/3, the server at 2/3."""
    stats, steps = hallway.stats, ["worker", "server"] if chaos else []
    last_print = time.monotonic()
    while not hallway.stop.wait(0.1):
        acked = len(stats.acked)
        now = time.monotonic()
        if steps and acked >= total * (3 - len(steps)) / 3:
            step = steps.pop(0)
            at = now - hallway.start
            if step == "worker":
                pid = server.kill_worker()
                note = f"t={at:5.1f} s  SIGKILL worker {pid} ({acked} acknowledged)"
            else:
                server.kill_all()
                down = time.monotonic()
                server.start()
                note = (
                    f"t={at:5.1f} s  SIGKILL master and workers ({acked} acknowledged); "
                    f"restarted on the same port, {time.monotonic() - down:.1f} s down"
                )
            stats.events.append(note)
            print("chaos:", note, flush=True)
        if now - last_print >= 5:
            last_print = now
            with stats.lock:
                print(
                    f"  t={now - hallway.start:5.1f} s  posts {stats.posts}  "
                    f"acknowledged {len(stats.acked)}/{total}  5xx {len(stats.errors_5xx)}  "
                    f"connection errors {stats.connection_errors}",
                    flush=True,
                )


# The run ---------------------------------------------------------------------------------


def tracebacks(log: Path, limit: int = 2) -> list[str]:
    """The first tracebacks in the server log, to report an application error precisely."""
    text = log.read_text(errors="replace") if log.exists() else ""
    found = re.findall(r"(?ms)^.*?Traceback \(most recent call last\):.*?^\S.*?$", text)
    return found[:limit]


def create_reference_table() -> None:
    """The table of the `bench/insert` reference view."""
    from django.db import connection

    from bench.urls_bench import REFERENCE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_TABLE[connection.vendor])


def start_serving(args, workdir: Path, database_url: str, log: Path) -> Serving:
    """gunicorn and, with --proxy nginx, nginx in front of it."""
    serving = Serving(Server(args, free_port(), database_url, log), None)
    server = serving.server
    try:
        server.start()
        if args.proxy == "nginx":
            serving.front = Nginx(ROOT, workdir / "nginx", HOST, free_port(), server.port)
            serving.front.start(lambda: answers(serving.front.port))
    except BaseException:
        serving.stop()  # main() never gets it to stop: no gunicorn or nginx is left behind
        raise
    where = f"nginx on {HOST}:{serving.port} → " if serving.front else ""
    print(
        f"{where}gunicorn on {HOST}:{server.port}, {args.workers} {args.worker_class} workers",
        flush=True,
    )
    return serving


def measure_rates(args, port: int, ballots: list[Planned], meter: CpuMeter) -> dict:
    """On the same server: the bare view's rate and, in burst mode, the references' rates:
    name → (requests/s, errors, CPU figures)."""
    hold, seconds = args.rtt / 1000, args.bare_seconds
    print(f"measuring the bare view for {seconds:g} s …", flush=True)
    meter.start()
    rate, errors, count = measure_rate(port, args.concurrency, seconds, "/bench/bare", hold=hold)
    rates = {"bare": (rate, errors, meter.stop(count))}
    if args.mode == "burst":
        bodies = [ballot.body for ballot in ballots]
        for key in REFERENCES:
            print(f"measuring bench/{key} for {seconds:g} s …", flush=True)
            meter.start()
            rate, errors, count = measure_rate(
                port, args.concurrency, seconds, f"/bench/{key}", bodies, hold=hold
            )
            rates[key] = (rate, errors, meter.stop(count))
    return rates


def play(args, serving: Serving, hall: Hall, ballots: list[Planned]):
    """Every seat opens its link, then sends its ballots: (hallway, finished, the CPU meter,
    its figures of the submit phase)."""
    seconds, failures = open_links(
        serving.port, hall.tokens, min(args.concurrency, 32), hold=args.rtt / 1000
    )
    print(f"every seat opened its link (GET state): {seconds:.1f} s, {failures} not 200")
    print(f"sending {len(ballots)} ballots ({args.mode}) …", flush=True)
    hallway = Hallway(args, serving.port, len(ballots))
    watcher = threading.Thread(
        target=watch, args=(hallway, serving.server, len(ballots), args.chaos), daemon=True
    )
    watcher.start()
    meter = CpuMeter(serving, PG_BENCH_DB)
    meter.start()
    finished = hallway.play(ballots)
    watcher.join()
    return hallway, finished, meter, meter.stop(hallway.stats.answered)


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="hall-"))
    log = workdir / "gunicorn.log"
    serving = None
    try:
        database_url = prepare_database(args, workdir)
        print(f"building the meeting ({args.db}, {workdir}) …", flush=True)
        hall = build_meeting(args)
        create_reference_table()
        args.tokens, args.orgs = hall.tokens, hall.orgs
        ballots = plan(args, hall)
        close_django_connections()
        serving = start_serving(args, workdir, database_url, log)
        hallway, finished, meter, cpu_submit = play(args, serving, hall, ballots)
        rates = measure_rates(args, serving.port, ballots, meter)
        serving.stop()
        stored = stored_ballots(hall.meeting_id)
        lines = summary(args, ballots, hallway.stats, stored, rates, finished)
        for line in lines[:-1] + cpu_lines(args, cpu_submit, rates["bare"][2]) + lines[-1:]:
            print(line)
        problems = [
            *(e for e in hallway.stats.errors_5xx if not (args.chaos and e.startswith("502 "))),
            *hallway.stats.rejected,
        ]
        if problems:
            print("first problems:", *problems[:5], sep="\n  ")
            for trace in tracebacks(log):
                print(trace)
            args.keep = True
        return 0 if finished else 2
    except RuntimeError as error:
        print(f"the run broke: {error}; server log: {log}", file=sys.stderr)
        for trace in tracebacks(log):
            print(trace, file=sys.stderr)
        args.keep = True
        return 2
    finally:
        if serving is not None:
            serving.stop()
        close_django_connections()
        drop_database(args)
        if args.keep:
            print(f"kept {workdir} (server log: {log})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

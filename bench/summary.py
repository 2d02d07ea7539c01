"""The hall benchmark's printout (bench/hall.py): what was sent, acknowledged and stored, the
latencies, the rates against the bare view and the reference POSTs, and the goals' verdicts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.hall import Stats


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def loaded_throughput(stats: Stats) -> tuple[float, float]:
    """(seconds, answered POSTs per second) from the first send until the last planned ballot
    was sent: while the client keeps its every thread waiting on the server, as the bare view
    is measured. After that, fewer and fewer requests are in flight and the retries of
    acknowledged ballots trickle in over 0.2–3 s: the whole phase's rate says more about the
    client's schedule than about the server."""
    start, end = stats.first_send or 0.0, stats.all_sent or stats.last_answer
    span = max(end - start, 1e-9)
    return span, sum(1 for t in stats.answer_times if t <= end) / span


def summary(args, ballots, stats: Stats, stored, rates: dict, finished) -> list[str]:
    acked = stats.acked
    stored_ids = {b: r for b, r, _s, _p in stored}
    pairs = {(s, p) for _b, _r, s, p in stored}
    lost = [b for b in acked if b not in stored_ids]
    receipt_differs = sum(1 for b, r in acked.items() if b in stored_ids and stored_ids[b] != r)
    duplicated = len(stored) - len(pairs)
    planned_ids = {b.ballot_id for b in ballots}
    strangers = sum(1 for b in stored_ids if b not in planned_ids)
    n5xx = len(stats.errors_5xx)
    # nginx answers 502 while gunicorn is down (chaos mode); gunicorn alone refuses connections.
    bad_gateway = sum(1 for error in stats.errors_5xx if error.startswith("502 "))
    if args.chaos:
        five_xx = (
            f"{n5xx} (502 while gunicorn was down, each resent: {bad_gateway})  "
            f"goal 0 others  {verdict(n5xx == bad_gateway)}"
        )
    else:
        five_xx = f"{n5xx}  goal 0  {verdict(not n5xx)}"
    p50, p95, p99 = (percentile(stats.latencies, p) for p in (50, 95, 99))
    goal_p99 = 150 if args.mode == "spread" else 1000
    span = max(stats.last_answer - (stats.first_send or 0), 1e-9)
    rate = stats.answered / span
    loaded_span, loaded_rate = loaded_throughput(stats)
    bare_rate, bare_errors, _cpu = rates["bare"]
    share = 100 * loaded_rate / bare_rate if bare_rate else float("nan")
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(stats.status.items()))
    w = 34
    lines = [
        "=" * 78,
        f"hall benchmark  mode={args.mode}  db={args.db}  "
        + ("nginx → gunicorn  " if args.proxy == "nginx" else "gunicorn alone  ")
        + f"workers={args.workers}"
        + (f" gthread×{args.threads}" if args.worker_class == "gthread" else "")
        + "  "
        f"client threads={args.concurrency}  chaos={'yes' if args.chaos else 'no'}"
        + (f"  CONN_MAX_AGE={args.conn_max_age}" if args.conn_max_age is not None else ""),
        f"{len(args.tokens)} seats × {len(args.orgs)} reporters"
        + (f", arrivals over {args.seconds:g} s" if args.mode == "spread" else ", all at once")
        + (f"; network round trip {args.rtt:g} ms" if args.rtt else ""),
        "-" * 78,
        f"{'ballots planned':{w}}{len(ballots)}",
        f"{'POST requests sent':{w}}{stats.posts}  (answered {stats.answered}: {statuses})",
        f"{'  responses dropped by client':{w}}{stats.dropped}  (each sent again, same id)",
        f"{'  acknowledged ballots retried':{w}}{stats.retried}  "
        f"(other receipt or refused: {stats.retry_mismatch})  "
        f"{verdict(stats.retry_mismatch == 0)}",
        f"{'  connection errors (resent)':{w}}{stats.connection_errors}",
        f"{'acknowledged':{w}}{len(acked)}",
        f"{'stored':{w}}{len(stored)}  (receipt differs from acknowledged: {receipt_differs}; "
        f"unknown ids: {strangers})",
        f"{'lost (acknowledged, not stored)':{w}}{len(lost)}  goal 0  {verdict(not lost)}",
        f"{'duplicated (seat+reporter > 1)':{w}}{duplicated}  goal 0  {verdict(not duplicated)}",
        f"{'5xx responses':{w}}{five_xx}",
        f"{'refused (4xx)':{w}}{len(stats.rejected)}",
        f"{'submit latency p50 / p95 / p99':{w}}{p50:.1f} / {p95:.1f} / {p99:.1f} ms  "
        + (
            "(not judged: the server was down a while)"
            if args.chaos
            else f"goal p99 < {goal_p99} ms  {verdict(p99 < goal_p99)}"
        ),
        f"{'client lag behind schedule (max)':{w}}{stats.max_lag:.2f} s",
        f"{'submit rate, whole phase':{w}}{rate:.0f} req/s over {span:.1f} s "
        f"({len(acked) / span:.0f} ballots acknowledged/s)",
        f"{'submit throughput under load':{w}}{loaded_rate:.0f} req/s over the first "
        f"{loaded_span:.1f} s (until every ballot was sent)",
        f"{'bare view rate (same server)':{w}}{bare_rate:.0f} req/s  "
        f"({args.bare_seconds:g} s, {args.concurrency} threads, {bare_errors} errors)",
    ]
    if args.mode == "burst":
        lines.append(
            f"{'throughput / bare view rate':{w}}{share:.1f} %  goal ≥ 50 %  {verdict(share >= 50)}"
        )
        lines += reference_lines(rates, bare_rate, w)
    else:
        lines.append(
            f"{'throughput / bare view rate':{w}}{share:.0f} %  "
            "(paced by the arrivals; the goal is judged in burst mode)"
        )
    lines += [f"{'chaos':{w}}{event}" for event in stats.events]
    if not finished:
        lines.append(f"RUN INCOMPLETE: time limit {args.timeout:g} s or request limit reached")
    lines.append("=" * 78)
    return lines


REFERENCES = {  # bench/urls_bench.py
    "echo": "ref.: POST, no database",
    "insert": "ref.: POST + one INSERT",
}


def reference_lines(rates: dict, bare_rate: float, w: int) -> list[str]:
    """What a POST can reach on this server without the ballot's work, for comparison."""
    lines = []
    for key, label in REFERENCES.items():
        if key in rates:
            rate, errors, cpu = rates[key]
            database = f" + PostgreSQL {cpu['database_ms']:.2f}" if cpu["database_ms"] else ""
            lines.append(
                f"{label:{w}}{rate:.0f} req/s = {100 * rate / bare_rate:.0f} % of the bare "
                f"view; CPU {cpu['server_ms']:.2f}{database} ms per request ({errors} errors)"
            )
    return lines

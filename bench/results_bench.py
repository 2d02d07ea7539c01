"""How long a meeting's results take: 30 reporters × 300 seats = 9,000 ballots.

Run: python bench/results_bench.py  (uses a throw-away SQLite file unless DATABASE_URL is set)
Prints the time to build the scoring inputs, to compute, and the peak memory of computing.
"""

import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
workdir = tempfile.mkdtemp()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from appraisal import scoring  # noqa: E402
from meetings.models import Ballot, Seat  # noqa: E402
from meetings.results import scoring_inputs  # noqa: E402
from tests.factories import make_committee, make_meeting, make_reporter  # noqa: E402

REPORTERS, SEATS = 30, 300


def build():
    call_command("migrate", verbosity=0)
    committee = make_committee(code="BENCH")
    meeting = make_meeting(committee)
    reporters = [make_reporter(meeting) for _ in range(REPORTERS)]
    groups = list(meeting.scheme.groups.all())
    seats = Seat.objects.bulk_create(
        Seat(meeting=meeting, code=f"S{n:04d}", group=groups[n % len(groups)]) for n in range(SEATS)
    )
    rng = random.Random(1)
    maxima = {i.code: int(i.max_points) for i in meeting.scheme.indicators.all()}
    Ballot.objects.bulk_create(
        Ballot(
            seat=seat,
            reporter=reporter,
            scores={c: str(rng.randint(m // 2, m)) for c, m in maxima.items()},
            grade=rng.choice(["好", "较好", "一般", "差"]),
        )
        for seat in seats
        for reporter in reporters
    )
    return meeting


def main():
    meeting = build()
    start = time.perf_counter()
    reporters, ballots = scoring_inputs(meeting)
    loaded = time.perf_counter()
    tracemalloc.start()
    results = scoring.compute_results(meeting.scheme.to_def(), reporters, ballots)
    _, peak = tracemalloc.get_traced_memory()
    done = time.perf_counter()
    print(f"ballots: {len(ballots)}, reporters: {len(results)}")
    print(f"load from database: {loaded - start:.3f} s")
    print(f"compute results:    {done - loaded:.3f} s, peak {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

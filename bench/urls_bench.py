"""The project's URLs plus three views to compare the ballot with, on the same server:

- `bench/bare`: the cheapest view Django can serve (the issue's yardstick);
- `bench/echo`: a ballot's JSON read and answered with a receipt, no database;
- `bench/insert`: the same plus one row INSERTed and committed (`bench_row`, no index but
  its key, no check): the least a durable ballot can cost.
"""

import json
import secrets
from decimal import Decimal

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from appraisal.urls import urlpatterns as app_urlpatterns

REFERENCE_TABLE = {
    "sqlite": "CREATE TABLE bench_row (id integer PRIMARY KEY, ballot_id text, receipt text)",
    "postgresql": "CREATE TABLE bench_row (id bigserial PRIMARY KEY, ballot_id text, receipt text)",
}


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def _receipt(request) -> tuple[str, str, HttpResponse]:
    payload = json.loads(request.body, parse_float=Decimal)
    ballot_id, receipt = str(payload["ballot_id"]), secrets.token_hex(6)
    body = json.dumps({"ballot_id": ballot_id, "receipt": receipt})
    return ballot_id, receipt, HttpResponse(body, content_type="application/json")


# Exempt as the ballot endpoint they stand beside is (meetings/views_evaluator.py): the same
# requests, without a cookie. Benchmark settings only (bench/settings_bench.py), never the app's.
@csrf_exempt
@require_POST
def echo(request):
    return _receipt(request)[2]


@csrf_exempt
@require_POST
def insert(request):
    ballot_id, receipt, response = _receipt(request)
    with connection.cursor() as cursor:  # autocommit: the INSERT is its own transaction
        cursor.execute(
            "INSERT INTO bench_row (ballot_id, receipt) VALUES (%s, %s)", [ballot_id, receipt]
        )
    return response


urlpatterns = [
    path("bench/bare", bare),
    path("bench/echo", echo),
    path("bench/insert", insert),
    *app_urlpatterns,
]

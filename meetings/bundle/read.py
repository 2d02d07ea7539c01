"""Reading a bundle: parse, check every rule, report each problem with its JSON path."""

from __future__ import annotations

import json
from collections import namedtuple
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appraisal.models import (
    Committee,
    Grade,
    Organization,
    OrgKind,
)
from meetings.ballots import OPINION_MAX, check_scores
from meetings.models import (
    ItemStatus,
    ProblemSource,
)

FORMAT = "appraisal-meeting/1"
GRADES = tuple(Grade.values)  # highest first
PARTS = ("indicators", "grades", "daily")
# The largest values the columns hold: whatever the database stores can come back in.
MAX_POINTS_MAX = Decimal("99999.99")
WEIGHT_MAX = Decimal("99999.9999")
POINTS_MAX = Decimal(100)
SMALLINT_MAX = 32767
DEFAULT_GRADE_POINTS = dict(zip(GRADES, map(Decimal, ("100", "80", "60", "0")), strict=True))
DEFAULT_BANDS = dict(zip(GRADES, map(Decimal, ("90", "80", "70", "0")), strict=True))

_MISSING = object()
FLOAT_DECIMAL = gettext_noop(
    'Write decimals in double quotes, e.g. "87.5": a bare %(value)s is a binary number and '
    "not exact."
)
# What check_scores needs of an indicator, before any Indicator row exists.
IndicatorRule = namedtuple("IndicatorRule", "code name max_points")


class BundleInvalid(Exception):
    """A bundle that cannot be stored; `problems` are lines that start with a JSON path."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def at(base: str, key: str | int) -> str:
    """The JSON path of `key` inside `base`: `ballots[3]`, `ballots[3].scores.ZZ`."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def loads(raw: bytes | str) -> dict:
    """The parsed document, or BundleInvalid with a `$:` line saying where the JSON breaks."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise BundleInvalid(
            [
                "$: "
                + _("The file is not UTF-8 text (byte %(pos)d); save it as UTF-8.")
                % {"pos": exc.start + 1}
            ]
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = _("Not valid JSON at line %(line)d, column %(column)d: %(error)s.") % {
            "line": exc.lineno,
            "column": exc.colno,
            "error": exc.msg,
        }
        raise BundleInvalid([f"$: {message}"]) from exc
    if not isinstance(data, dict):
        raise BundleInvalid(["$: " + _("A bundle is one JSON object {…}; this file is not.")])
    return data


def dumps(bundle: dict) -> str:
    """The document as text: UTF-8 characters as they are, indented, keys in a fixed order."""
    return json.dumps(bundle, ensure_ascii=False, indent=2)


def decimal_text(value: Decimal | None) -> str | None:
    """A stored decimal as the bundle writes it: exact, no exponent, no trailing zeros."""
    if value is None:
        return None
    return format(value.normalize(), "f")


# ---------------------------------------------------------------- reading a bundle


def places(value: Decimal) -> int:
    """How many decimals a value really has: 12.50 has one."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class Reader:
    """Reads values out of the parsed JSON, noting each problem with its JSON path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def get(self, obj: dict, key: str, base: str, required: bool):
        path = at(base, key)
        if key in obj:
            return obj[key], path
        if required:
            self.add(path, _("Missing: add this key."))
        return _MISSING, path

    def object(self, obj: dict, key: str, base: str, *, required: bool = True) -> dict | None:
        raw, path = self.get(obj, key, base, required)
        if raw is _MISSING or (raw is None and not required):
            return None
        if not isinstance(raw, dict):
            self.add(path, _("Must be a JSON object {…}."))
            return None
        return raw

    def items(self, obj: dict, key: str, base: str = "", *, required: bool = True):
        """(path, item) for each object of a list; other items are reported and skipped."""
        raw, path = self.get(obj, key, base, required)
        if raw is _MISSING or (raw is None and not required):
            return []
        if not isinstance(raw, list):
            self.add(path, _("Must be a JSON list […]."))
            return []
        rows = []
        for i, item in enumerate(raw):
            if isinstance(item, dict):
                rows.append((at(path, i), item))
            else:
                self.add(at(path, i), _("Must be a JSON object {…}."))
        return rows

    def text(
        self, obj: dict, key: str, base: str, *, max_length: int, required=True, blank=False
    ) -> str | None:
        raw, path = self.get(obj, key, base, required)
        if raw is _MISSING or (raw is None and blank):
            return "" if blank else None
        if not isinstance(raw, str):
            self.add(path, _("Must be text in double quotes."))
            return None
        value = raw.strip()
        if not value and not blank:
            self.add(path, _("Must not be empty."))
            return None
        if len(value) > max_length:
            self.add(path, _("At most %(n)d characters; shorten it.") % {"n": max_length})
            return None
        return value

    def integer(self, obj, key, base, *, low: int, high: int, default=_MISSING) -> int | None:
        raw, path = self.get(obj, key, base, default is _MISSING)
        if raw is _MISSING:
            return None if default is _MISSING else default
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            self.add(
                path,
                _("Must be a whole number from %(low)d to %(high)d, without quotes.")
                % {"low": low, "high": high},
            )
            return None
        return raw

    def boolean(self, obj: dict, key: str, base: str, *, default: bool) -> bool | None:
        raw, path = self.get(obj, key, base, False)
        if raw is _MISSING:
            return default
        if not isinstance(raw, bool):
            self.add(path, _("Must be true or false, without quotes."))
            return None
        return raw

    def decimal(
        self, obj, key, base, *, decimals: int, low, high, low_open=False, required=True
    ) -> Decimal | None:
        """A decimal written as a string ("87.5"); whole numbers may come without quotes."""
        raw, path = self.get(obj, key, base, required)
        if raw is _MISSING or (raw is None and not required):
            return None
        if isinstance(raw, float):
            self.add(
                path,
                _(FLOAT_DECIMAL) % {"value": raw},
            )
            return None
        value = None
        if isinstance(raw, int | str) and not isinstance(raw, bool):
            try:
                value = Decimal(str(raw).strip())
            except InvalidOperation:
                value = None
        if value is None or not value.is_finite():
            self.add(path, _('Must be a decimal number in double quotes, e.g. "87.5".'))
            return None
        above_low = value > low if low_open else value >= low
        if not (above_low and value <= high and places(value) <= decimals):
            message = (
                _("Must be above %(low)s and at most %(high)s, with at most %(n)d decimals.")
                if low_open
                else _("Must be from %(low)s to %(high)s, with at most %(n)d decimals.")
            )
            self.add(path, message % {"low": low, "high": high, "n": decimals})
            return None
        return value

    def day(self, obj: dict, key: str, base: str) -> date | None:
        raw, path = self.get(obj, key, base, False)
        if raw is _MISSING or raw is None:
            return None
        if isinstance(raw, str) and len(raw) == len("2026-06-30"):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        self.add(path, _('Must be a date written YYYY-MM-DD, e.g. "2026-06-30", or null.'))
        return None

    def choice(self, obj, key, base, choices, *, default=_MISSING) -> str | None:
        raw, path = self.get(obj, key, base, default is _MISSING)
        if raw is _MISSING or (raw is None and default is not _MISSING):
            return None if default is _MISSING else default
        if raw not in choices:
            self.add(
                path,
                _("“%(value)s” is not allowed here; use one of: %(choices)s.")
                % {"value": raw, "choices": "、".join(choices)},
            )
            return None
        return raw

    def unique(self, seen: set, value, path: str, message: str) -> None:
        if value is not None and value in seen:
            self.add(path, message % {"code": value})
        seen.add(value)


def read_meeting(r: Reader, data: dict) -> dict:
    m = r.object(data, "meeting", "") or {}
    return {
        "title": r.text(m, "title", "meeting", max_length=200),
        "year": r.integer(m, "year", "meeting", low=2000, high=2100),
        "date": r.day(m, "date", "meeting"),
        "venue": r.text(m, "venue", "meeting", max_length=200, required=False, blank=True),
        "anonymous": r.boolean(m, "anonymous", "meeting", default=True),
    }


DUPLICATE_CODE = gettext_noop("The code “%(code)s” is used twice; each code must be unique.")


def read_rows(r: Reader, s: dict, key: str, amount: str, amount_rule: dict) -> list[dict]:
    """The scheme's indicators or groups: code, name and points or weight, codes unique."""
    rows, seen = [], set()
    for path, row in r.items(s, key, "scheme"):
        code = r.text(row, "code", path, max_length=20)
        r.unique(seen, code, at(path, "code"), _(DUPLICATE_CODE))
        name = r.text(row, "name", path, max_length=100)
        rows.append(
            {"code": code, "name": name, amount: r.decimal(row, amount, path, **amount_rule)}
        )
    return rows


def read_grade_points(r: Reader, s: dict) -> dict:
    points = r.object(s, "grade_points", "scheme", required=False)
    if points is None:
        return dict(DEFAULT_GRADE_POINTS)
    for key in points:
        if key not in GRADES:
            r.add(at("scheme.grade_points", key), _("Unknown grade; use 好, 较好, 一般 and 差."))
    values = {
        g: r.decimal(points, g, "scheme.grade_points", decimals=2, low=0, high=POINTS_MAX)
        for g in GRADES
    }
    for higher, lower in zip(GRADES, GRADES[1:], strict=False):
        if None not in (values[higher], values[lower]) and values[lower] > values[higher]:
            r.add(
                at("scheme.grade_points", lower),
                _(
                    "Points for %(lower)s (%(low)s) cannot be above points for %(higher)s "
                    "(%(high)s): lower this value or raise the one for %(higher)s."
                )
                % {"lower": lower, "low": values[lower], "higher": higher, "high": values[higher]},
            )
    return values


# The scheme editor's messages (appraisal/scheme_forms.py): the same rule, the same words.
BAND_NOT_BELOW = gettext_noop(
    "The lowest composite for %(lower)s (%(low)s) must be below the one for "
    "%(higher)s (%(high)s): bands go down from 好 to 差."
)
BAND_ABOVE = gettext_noop(
    "The lowest composite for %(lower)s (%(low)s) cannot be above the one for "
    "%(higher)s (%(high)s): bands go down from 好 to 差."
)


def read_bands(r: Reader, s: dict) -> dict:
    """Each grade once with its lowest composite; 好 > 较好 > 一般 ≥ 差, as in the editor."""
    if s.get("bands") is None:
        return dict(DEFAULT_BANDS)
    bands, where = {}, {}
    for path, band in r.items(s, "bands", "scheme"):
        grade = r.choice(band, "grade", path, GRADES)
        low = r.decimal(band, "min", path, decimals=2, low=0, high=POINTS_MAX)
        if grade in bands:
            r.add(at(path, "grade"), _("This grade has a band already; give each grade once."))
        elif grade is not None:
            bands[grade], where[grade] = low, at(path, "min")
    missing = [g for g in GRADES if g not in bands]
    if missing and isinstance(s["bands"], list):
        r.add(
            "scheme.bands",
            _("Give a band for each of 好, 较好, 一般 and 差; missing: %(grades)s.")
            % {"grades": "、".join(missing)},
        )
        return bands
    for step, (higher, lower) in enumerate(zip(GRADES, GRADES[1:], strict=False)):
        high, low = bands.get(higher), bands.get(lower)
        if high is None or low is None:
            continue
        values = {"lower": lower, "low": low, "higher": higher, "high": high}
        if step < 2 and low >= high:
            r.add(where[lower], _(BAND_NOT_BELOW) % values)
        elif low > high:
            r.add(where[lower], _(BAND_ABOVE) % values)
    return bands


def read_parts(r: Reader, s: dict) -> dict:
    parts = r.object(s, "parts", "scheme") or {}
    values = {
        p: r.decimal(parts, p, "scheme.parts", decimals=4, low=0, high=WEIGHT_MAX) for p in PARTS
    }
    if parts and None not in values.values() and not any(values.values()):
        r.add(
            "scheme.parts",
            _("At least one of the three parts (indicators, grades, daily) must weigh above 0."),
        )
    return values


def read_scheme(r: Reader, data: dict) -> dict:
    s = r.object(data, "scheme", "") or {}
    indicators = read_rows(
        r,
        s,
        "indicators",
        "max_points",
        {"decimals": 2, "low": 0, "high": MAX_POINTS_MAX, "low_open": True},
    )
    groups = read_rows(
        r, s, "groups", "weight", {"decimals": 4, "low": 0, "high": WEIGHT_MAX, "low_open": True}
    )
    parts = read_parts(r, s)
    if (parts["indicators"] or 0) > 0 and not indicators and isinstance(s.get("indicators"), list):
        r.add(
            "scheme.indicators", _("The indicator part weighs above 0: add at least one indicator.")
        )
    trim = r.integer(s, "trim_min_ballots", "scheme", low=0, high=SMALLINT_MAX, default=5)
    if trim in (1, 2):
        r.add(
            "scheme.trim_min_ballots",
            _(
                "Use 0 (never trim) or 3 or more: dropping the highest and the lowest of 1 or 2 "
                "totals would leave nothing to average."
            ),
        )
    fraction = {"decimals": 4, "low": 0, "high": 1, "low_open": True, "required": False}
    return {
        "indicators": indicators,
        "groups": groups,
        "parts": parts,
        "grade_points": read_grade_points(r, s),
        "bands": read_bands(r, s),
        "trim_min_ballots": trim,
        "good_quota": r.decimal(s, "good_quota", "scheme", **fraction),
        "bad_share_limit": r.decimal(
            s, "bad_share_limit", "scheme", **{**fraction, "decimals": 10}
        ),
    }


def read_organizations(r: Reader, data: dict, roster: set[str]) -> list[dict]:
    orgs, seen = [], set()
    for path, o in r.items(data, "organizations"):
        code = r.text(o, "code", path, max_length=30)
        r.unique(seen, code, at(path, "code"), _(DUPLICATE_CODE))
        parent = r.text(o, "parent", path, max_length=30, required=False, blank=True) or None
        orgs.append(
            {
                "path": path,
                "code": code,
                "name": r.text(o, "name", path, max_length=100),
                "kind": r.choice(o, "kind", path, OrgKind.values),
                "parent": parent,
            }
        )
    known = seen | roster
    parents: dict[str, str | None] = {}
    for o in orgs:  # a code given twice is reported above; its first entry counts
        if o["code"] is not None:
            parents.setdefault(o["code"], o["parent"])
    for o in orgs:
        if o["parent"] and o["parent"] not in known:
            r.add(at(o["path"], "parent"), unknown_org(o["parent"]))
        elif o["code"] and in_cycle(o["code"], parents):
            r.add(
                at(o["path"], "parent"),
                _("The parents of “%(code)s” go round in a circle.") % {"code": o["code"]},
            )
    return orgs


def in_cycle(code: str, parents: dict[str, str | None]) -> bool:
    """Whether following parents from `code` comes back to it."""
    seen, node = set(), parents.get(code)
    while node is not None and node not in seen:
        if node == code:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def unknown_org(code: str) -> str:
    return _(
        "No organization “%(code)s” in this bundle’s organizations or in the committee’s roster; "
        "add it to “organizations”."
    ) % {"code": code}


def read_reporters(r: Reader, data: dict, known: set[str]) -> list[dict]:
    reporters, orgs, orders = [], set(), set()
    for path, rep in r.items(data, "reporters"):
        org = r.text(rep, "org", path, max_length=30)
        if org is not None and org not in known:
            r.add(at(path, "org"), unknown_org(org))
        r.unique(
            orgs,
            org,
            at(path, "org"),
            _("“%(code)s” already reports; one reporter per organization."),
        )
        order = r.integer(rep, "order", path, low=0, high=SMALLINT_MAX)
        r.unique(
            orders,
            order,
            at(path, "order"),
            _("Order %(code)s is used twice; orders must be unique."),
        )
        reporters.append(
            {
                "org": org,
                "secretary": r.text(
                    rep, "secretary", path, max_length=50, required=False, blank=True
                ),
                "order": order,
                "daily": r.decimal(rep, "daily", path, decimals=2, low=0, high=100, required=False),
                "vetoed": r.boolean(rep, "vetoed", path, default=False),
            }
        )
    return reporters


def read_seats(r: Reader, data: dict, groups: set[str], known: set[str]) -> list[dict]:
    seats, codes = [], set()
    for path, seat in r.items(data, "seats", required=False):
        code = r.text(seat, "code", path, max_length=20)
        r.unique(codes, code, at(path, "code"), _(DUPLICATE_CODE))
        group = r.text(seat, "group", path, max_length=20)
        if group is not None and group not in groups:
            r.add(
                at(path, "group"),
                _("No group “%(code)s” in the scheme’s groups.") % {"code": group},
            )
        org = r.text(seat, "org", path, max_length=30, required=False, blank=True) or None
        if org is not None and org not in known:
            r.add(at(path, "org"), unknown_org(org))
        holder = r.text(seat, "holder", path, max_length=50, required=False, blank=True)
        seats.append({"code": code, "group": group, "org": org, "holder": holder})
    return seats


def read_ballots(r: Reader, data: dict, indicators, seats: dict, reporters: set[str]) -> list[dict]:
    """Each ballot under the rules of meetings.ballots, the ones the live interface applies."""
    ballots, pairs = [], set()
    for path, b in r.items(data, "ballots", required=False):
        seat = r.text(b, "seat", path, max_length=20)
        org = r.text(b, "org", path, max_length=30)
        if seat is not None and seat not in seats:
            r.add(
                at(path, "seat"), _("No seat “%(code)s” in this bundle’s seats.") % {"code": seat}
            )
        if org is not None and org not in reporters:
            r.add(
                at(path, "org"), _("“%(code)s” is not a reporter of this meeting.") % {"code": org}
            )
        if seat in seats and org in reporters:
            if (seat, org) in pairs:
                r.add(
                    path,
                    _("Seat %(seat)s has a ballot for %(org)s already; keep only one.")
                    % {"seat": seat, "org": org},
                )
            pairs.add((seat, org))
            if seats[seat] == org:
                r.add(at(path, "org"), _("A seat never scores its own organization’s reporter."))
        scores = b.get("scores") or None
        if scores is not None and indicators is not None:
            read_scores(r, path, indicators, scores)
        grade = b.get("grade") or None
        if grade is not None and grade not in GRADES:
            r.add(
                at(path, "grade"),
                _("Unknown grade “%(grade)s”; use 好, 较好, 一般 or 差.") % {"grade": grade},
            )
        if scores is None and grade is None:
            r.add(path, _("A ballot needs indicator scores, a grade, or both."))
        opinion = r.text(b, "opinion", path, max_length=OPINION_MAX, required=False, blank=True)
        ballots.append(
            {"seat": seat, "org": org, "scores": scores, "grade": grade, "opinion": opinion}
        )
    return ballots


def read_scores(r: Reader, path: str, indicators: list[IndicatorRule], scores) -> None:
    floats = (
        {code for code, v in scores.items() if isinstance(v, float)}
        if isinstance(scores, dict)
        else set()
    )
    for code in floats:
        r.add(
            at(path, f"scores.{code}"),
            _(FLOAT_DECIMAL) % {"value": scores[code]},
        )
    _parsed, errors = check_scores(indicators, scores)
    for key, message in errors.items():
        if key.removeprefix("scores.") not in floats or key == "scores":
            r.add(at(path, key), message)


def read_notes(r: Reader, data: dict, reporters: set[str], known: set[str]) -> tuple[list, list]:
    comments = []
    for path, c in r.items(data, "comments", required=False):
        org = r.text(c, "org", path, max_length=30)
        if org is not None and org not in reporters:
            r.add(
                at(path, "org"), _("“%(code)s” is not a reporter of this meeting.") % {"code": org}
            )
        author = r.text(c, "author", path, max_length=100)
        comments.append(
            {"org": org, "author": author, "text": r.text(c, "text", path, max_length=20000)}
        )
    items = []
    for path, i in r.items(data, "rectifications", required=False):
        org = r.text(i, "org", path, max_length=30)
        if org is not None and org not in known:
            r.add(at(path, "org"), unknown_org(org))
        items.append(
            {
                "org": org,
                "problem": r.text(i, "problem", path, max_length=20000),
                "source": r.choice(i, "source", path, ProblemSource.values),
                "measures": r.text(
                    i, "measures", path, max_length=20000, required=False, blank=True
                ),
                "owner": r.text(i, "owner", path, max_length=50, required=False, blank=True),
                "deadline": r.day(i, "deadline", path),
                "status": r.choice(
                    i, "status", path, ItemStatus.values, default=ItemStatus.NOT_STARTED
                ),
            }
        )
    return comments, items


def read_bundle(data, committee: Committee | None = None) -> tuple[dict, list[str]]:
    """The bundle's values, parsed, and every problem found; store only if there is none."""
    r = Reader()
    if not isinstance(data, dict):
        return {}, ["$: " + _("A bundle is one JSON object {…}; this file is not.")]
    fmt, path = r.get(data, "format", "", True)
    if fmt is not _MISSING and fmt != FORMAT:
        r.add(
            path,
            _("Must be “%(format)s”: this is not a meeting bundle this version reads.")
            % {"format": FORMAT},
        )
    roster = set()
    if committee is not None:
        roster = set(
            Organization.objects.filter(committee=committee).values_list("code", flat=True)
        )
    bundle = {"meeting": read_meeting(r, data), "scheme": read_scheme(r, data)}
    bundle["organizations"] = read_organizations(r, data, roster)
    known = roster | {o["code"] for o in bundle["organizations"]}
    bundle["reporters"] = read_reporters(r, data, known)
    groups = {g["code"] for g in bundle["scheme"]["groups"]}
    bundle["seats"] = read_seats(r, data, groups, known)
    rules = [IndicatorRule(**i) for i in bundle["scheme"]["indicators"]]
    scheme = data.get("scheme")
    if not isinstance(scheme, dict) or not isinstance(scheme.get("indicators"), list):
        rules = None
    elif (
        len(rules) != len(scheme["indicators"])
        or any(None in rule for rule in rules)
        or len({rule.code for rule in rules}) != len(rules)
    ):
        rules = None  # the indicators have problems of their own; scores cannot be judged
    reporters = {rep["org"] for rep in bundle["reporters"]} - {None}
    seats: dict[str, str | None] = {}
    for seat in bundle["seats"]:
        if seat["code"] is not None:
            seats.setdefault(seat["code"], seat["org"])
    bundle["ballots"] = read_ballots(r, data, rules, seats, reporters)
    bundle["comments"], bundle["rectifications"] = read_notes(r, data, reporters, known)
    return bundle, r.problems


def validate_bundle(data, committee: Committee | None = None) -> list[str]:
    """Every problem of the bundle, each line starting with its JSON path; empty if none.

    Without a committee, organizations must all be in the bundle itself; with one, codes of
    its roster count as known too.
    """
    return read_bundle(data, committee)[1]

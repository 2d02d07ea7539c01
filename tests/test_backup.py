"""Backup and restore of a whole installation, run as an operator would: real commands in
subprocesses against a throw-away database of the engine the suite runs on (a temporary
SQLite file, or a temporary database on the suite's PostgreSQL server).

The faithful check is the meetings themselves: for every meeting, a hash of its results and
a hash of its whole exported bundle, before the backup and after the restore."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import pytest
from django.utils import translation
from django.utils.translation import gettext

ROOT = Path(__file__).resolve().parent.parent
EXTRA_BUNDLE = Path(__file__).parent / "data" / "bundles" / "small.json"
SUITE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SUITE_URL.startswith(("postgres://", "postgresql://"))

FINGERPRINT_TABLES = (
    "meetings_meeting",
    "meetings_reporter",
    "meetings_ballot",
    "meetings_meetingevent",
    "django_migrations",
)
MEETING_HASHES = """
import hashlib, json
from meetings.bundle import dumps, export_bundle
from meetings.invariants import meeting_problems
from meetings.models import Meeting

def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()

out = {}
for meeting in Meeting.objects.order_by("pk"):
    bundle = export_bundle(meeting)
    results = json.dumps(bundle["results"], sort_keys=True, ensure_ascii=False)
    out[meeting.pk] = {
        "results": sha(results),
        "bundle": sha(dumps(bundle)),
        "problems": meeting_problems(meeting),  # check_meeting's invariants
    }
print(json.dumps(out))
"""

ATTACH_REPORT = """
import os
from django.core.files.base import ContentFile
from meetings.models import DutyReport, Reporter

reporter = Reporter.objects.order_by("pk").first()
report, _ = DutyReport.objects.get_or_create(reporter=reporter)
report.file.save("report.pdf", ContentFile(b"%PDF-1.7\\n" + os.urandom(40000)), save=True)
print(report.file.name)
"""


@dataclass
class Site:
    """One throw-away installation: its environment, database and private folder."""

    tmp: Path
    env: dict
    postgres: dict | None = None
    report: str = ""
    report_bytes: bytes = b""
    hashes: dict = field(default_factory=dict)
    original: list = field(default_factory=list)

    @property
    def private(self) -> Path:
        return Path(self.env["PRIVATE_ROOT"])

    @property
    def sqlite_file(self) -> Path:
        return self.tmp / "db.sqlite3"

    def manage(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.manage(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def meeting_hashes(self) -> dict:
        return json.loads(self.ok("shell", "-c", MEETING_HASHES).strip().splitlines()[-1])

    def fingerprint(self) -> list:
        """A quick look at the database from this process: what a refused restore must keep."""
        queries = [f"SELECT count(*) FROM {table}" for table in FINGERPRINT_TABLES]
        queries.append("SELECT id, title FROM meetings_meeting ORDER BY id")
        if self.postgres is None:
            queries.append("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1")
            with closing(sqlite3.connect(self.sqlite_file)) as connection:
                return [connection.execute(query).fetchall() for query in queries]
        queries.append(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
            "ORDER BY 1, 2"
        )
        with server_connection(self.postgres, self.postgres["NAME"]) as connection:
            return [[tuple(row) for row in connection.execute(query)] for query in queries]

    def wipe(self) -> None:
        """The disaster: the database and every uploaded file gone."""
        shutil.rmtree(self.private)
        if self.postgres is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.sqlite_file}{suffix}").unlink(missing_ok=True)
        else:
            drop_database(self.postgres)
            create_database(self.postgres)


def server_connection(params: dict, dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        user=params["USER"],
        password=params["PASSWORD"],
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    )


def create_database(params: dict) -> None:
    with server_connection(params) as connection:
        connection.execute(f'CREATE DATABASE "{params["NAME"]}"')


def drop_database(params: dict) -> None:
    with server_connection(params) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{params["NAME"]}" WITH (FORCE)')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Migrated, loaded with the demo district, with a duty report file attached."""
    tmp = tmp_path_factory.mktemp("backup")
    env = {**os.environ, "PRIVATE_ROOT": str(tmp / "private")}
    postgres = None
    if ON_POSTGRES:
        postgres = dj_database_url.parse(SUITE_URL)
        postgres["NAME"] = f"appraisal_backup_{uuid.uuid4().hex[:10]}"
        create_database(postgres)
        env["DATABASE_URL"] = (
            f"postgres://{postgres['USER']}:{postgres['PASSWORD']}@{postgres['HOST']}:"
            f"{postgres['PORT'] or 5432}/{postgres['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'db.sqlite3'}"
    site = Site(tmp=tmp, env=env, postgres=postgres)
    try:
        site.ok("migrate", "-v0")
        site.ok("load_demo")
        site.report = site.ok("shell", "-c", ATTACH_REPORT).strip().splitlines()[-1]
        site.report_bytes = (site.private / site.report).read_bytes()
        site.hashes = site.meeting_hashes()
        assert not any(meeting["problems"] for meeting in site.hashes.values())
        site.original = site.fingerprint()
        yield site
    finally:
        if postgres is not None:
            drop_database(postgres)


@pytest.fixture(scope="module")
def backup(site) -> Path:
    output = site.tmp / "backups" / "site.tar.gz"
    stdout = site.ok("backup", "--output", str(output))
    assert stdout.strip().splitlines()[-1] == str(output)
    return output


@pytest.fixture
def changed(site, backup) -> list:
    """The installation after the backup: one more meeting and one more uploaded file."""
    later = site.private / "evidence" / "after-backup.docx"
    if not later.exists():
        site.ok("import_meeting", str(EXTRA_BUNDLE), "--committee", "QH")
        later.parent.mkdir(exist_ok=True)
        later.write_bytes(b"PK\x03\x04later")
    fingerprint = site.fingerprint()
    assert len(fingerprint[-2]) == len(site.hashes) + 1
    return fingerprint


def rewrite(backup: Path, output: Path, change) -> Path:
    """A copy of the backup with `change(name, data) -> data` applied to each member."""
    with tarfile.open(backup, "r:gz") as source, tarfile.open(output, "w:gz") as target:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return output


def truncated(backup: Path, output: Path) -> Path:
    output.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    return output


def tampered(backup: Path, output: Path) -> Path:
    def flip_a_byte_of_the_database(name: str, data: bytes) -> bytes:
        if not name.startswith("database."):
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    return rewrite(backup, output, flip_a_byte_of_the_database)


def broken_database(backup: Path, output: Path) -> Path:
    """The database cut short, with the manifest's hash made to match: only the database
    engine itself (integrity check, pg_restore) can tell."""
    cut = {}

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("database."):
            data = data[: len(data) * 7 // 10]
            cut[name] = hashlib.sha256(data).hexdigest()
        elif name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"].update(cut)
            data = json.dumps(manifest).encode()
        return data

    return rewrite(backup, output, change)


BROKEN = (
    "%(tool)s failed (exit status %(status)s); its single transaction was rolled back, so "
    "nothing was changed: %(error)s"
    if ON_POSTGRES
    else "The database in the backup fails its integrity check (%(problems)s); nothing was "
    "changed. Use another copy of the backup."
)


def manifest_edit(edit):
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return lambda backup, output: rewrite(backup, output, change)


def from_the_future(manifest: dict) -> None:
    manifest["migrations"]["meetings"].append("9999_from_the_future")


def other_engine(manifest: dict) -> None:
    manifest["engine"] = "sqlite" if manifest["engine"] == "postgresql" else "postgresql"


def says(msgid: str) -> str:
    """The longest fixed part of a message as the commands print it (they speak Chinese)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return max(re.split(r"%\(\w+\)[sd]", text), key=len)


DAMAGED = (
    "The backup %(file)s is damaged or incomplete (%(error)s); nothing was changed. "
    "Use another copy of the backup."
)
ALTERED = (
    "The backup %(file)s does not match its manifest (%(members)s); it is damaged or was "
    "altered. Nothing was changed."
)
NEWER = (
    "This backup was made by a newer version of the application: its database has migrations "
    "this version does not know (%(migrations)s). Install that version (or a later one) first, "
    "then restore. Nothing was changed."
)
OTHER_ENGINE = (
    "This is a backup of a %(backup)s database, but the application uses %(current)s. Move "
    "meetings between the two with export_meeting and import_meeting. Nothing was changed."
)
IN_USE = (
    "The database %(file)s is in use: stop the application (and anything else that opens the "
    "database) before restoring. Nothing was changed."
)
CONFIRM = (
    "This replaces the whole database %(database)s and every file under %(private)s with the "
    "backup. Type yes to continue: "
)


def test_the_backup_lists_every_file_with_its_hash_and_the_migration_state(site, backup):
    with tarfile.open(backup, "r:gz") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["format"] == "appraisal-backup/1"
    assert manifest["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    report_hash = hashlib.sha256(site.report_bytes).hexdigest()
    assert manifest["files"][f"private/{site.report}"] == report_hash
    assert manifest["database"] in manifest["files"]
    assert "0001_initial" in manifest["migrations"]["meetings"]
    assert manifest["tables"]["meetings_ballot"] > 0


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (truncated, DAMAGED),
        (tampered, ALTERED),
        (manifest_edit(from_the_future), NEWER),
        (manifest_edit(other_engine), OTHER_ENGINE),
        (broken_database, BROKEN),
    ],
    ids=["truncated", "tampered", "newer schema", "other engine", "broken database"],
)
def test_a_bad_backup_is_refused_with_a_clear_message_and_nothing_changes(
    site, backup, changed, make_bad, message
):
    bad = make_bad(backup, site.tmp / "bad.tar.gz")
    result = site.manage("restore", str(bad), "--no-input")
    assert result.returncode == 1
    assert says(message) in result.stderr
    assert site.fingerprint() == changed
    assert (site.private / "evidence" / "after-backup.docx").exists()


def test_restore_asks_first_and_a_no_changes_nothing(site, backup, changed):
    result = site.manage("restore", str(backup), stdin="no\n")
    assert result.returncode == 1
    assert says(CONFIRM) in result.stdout
    assert says("Restore cancelled; nothing was changed.") in result.stderr
    assert site.fingerprint() == changed


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite only: a file cannot be swapped under a reader")
def test_restore_refuses_while_another_connection_has_the_sqlite_database_open(
    site, backup, changed
):
    other = sqlite3.connect(site.sqlite_file)
    try:
        other.execute("PRAGMA journal_mode=WAL")
        other.execute("SELECT count(*) FROM meetings_meeting").fetchone()
        result = site.manage("restore", str(backup), "--no-input")
    finally:
        other.close()
    assert result.returncode == 1
    assert says(IN_USE) in result.stderr
    assert site.fingerprint() == changed


def test_restore_over_a_changed_installation_gives_back_the_backed_up_one(site, backup, changed):
    site.ok("restore", str(backup), "--no-input")
    assert site.meeting_hashes() == site.hashes
    assert (site.private / site.report).read_bytes() == site.report_bytes
    assert not (site.private / "evidence" / "after-backup.docx").exists()
    assert site.fingerprint() == site.original


def test_backup_wipe_restore_gives_the_same_results_for_every_meeting(site, backup):
    site.wipe()
    stdout = site.ok("restore", str(backup), "--no-input")
    assert says("Restored the database and the private files.") in stdout
    restored = site.meeting_hashes()
    assert restored == site.hashes
    assert len(restored) == 2  # the demo's two meetings
    assert site.fingerprint() == site.original  # rows, meetings and the guarding triggers
    assert (site.private / site.report).read_bytes() == site.report_bytes


OLD_PG_DUMP = "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n"
NO_PG_DUMP = (
    "%(tool)s is not installed. Install the PostgreSQL client tools of version %(major)s or "
    "later (Debian: apt-get install postgresql-client)."
)
OLD_PG_DUMP_MESSAGE = (
    "%(tool)s is version %(tool_major)s but the server is PostgreSQL %(major)s: a dump needs "
    "client tools at least as new as the server. Install postgresql-client-%(major)s."
)


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: pg_dump")
@pytest.mark.parametrize("tools", ["missing", "older than the server"])
def test_backup_explains_a_missing_or_outdated_pg_dump(site, tools):
    bin_dir = site.tmp / f"bin-{tools.replace(' ', '-')}"
    bin_dir.mkdir()
    if tools != "missing":
        (bin_dir / "pg_dump").write_text(OLD_PG_DUMP)
        (bin_dir / "pg_dump").chmod(0o755)
    site.env, env = {**site.env, "PATH": str(bin_dir)}, site.env
    try:
        result = site.manage("backup", "--output", str(site.tmp / "never.tar.gz"))
    finally:
        site.env = env
    assert result.returncode == 1
    assert says(NO_PG_DUMP if tools == "missing" else OLD_PG_DUMP_MESSAGE) in result.stderr
    assert not (site.tmp / "never.tar.gz").exists()

"""Whole-installation backup and restore: the database and the private uploads in one file.

A backup is a gzipped tar holding

- `database.sqlite3` (an online copy made with SQLite's backup API, in rollback-journal mode so
  the one file is the whole database) or `database.pgdump` (`pg_dump --format=custom`);
- `private/…`: every file under `settings.PRIVATE_ROOT` (duty reports, evidence);
- `manifest.json`, written last: the format, the database engine, the applied migrations,
  the row count of every table and the SHA-256 of every other member.

Restoring checks everything before it changes anything: the archive reads to the end, every
member matches its hash and nothing else is in it, the engine is the one configured, the
backup's migrations are all known to this version of the code, and (SQLite) the database
passes `PRAGMA integrity_check`. Then the database is replaced in one step — SQLite: a
complete copy renamed over the old file while no other connection has it open; PostgreSQL:
`pg_restore --single-transaction`, which commits all or nothing — and the private folder is
swapped for the backup's by renaming. Afterwards the restored database is checked again
(integrity, row counts against the manifest).

Nothing here knows about meetings: the per-meeting backup is the meeting bundle
(`export_meeting ID --format json`, `import_meeting`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "appraisal-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
FILES_PREFIX = "private"
CHUNK = 1024 * 1024
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """The configured database and private folder a backup is made from or restored into."""

    database: dict
    private_root: Path

    @classmethod
    def configured(cls, alias: str = "default") -> Target:
        return cls(settings.DATABASES[alias], Path(settings.PRIVATE_ROOT))

    @property
    def engine(self) -> str:
        engine = self.database["ENGINE"]
        if engine == "django.db.backends.sqlite3":
            return "sqlite"
        if engine.startswith("django.db.backends.postgresql"):
            return "postgresql"
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(engine)s.") % {"engine": engine}
        )

    @property
    def sqlite_path(self) -> Path:
        name = str(self.database["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise BackupError(
                _("The SQLite database must be a file, not %(name)s.") % {"name": name}
            )
        return Path(name)


# Reading and writing archives ------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def private_files(root: Path) -> list[Path]:
    """Every regular file under the private folder, in a stable order (links are skipped)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def add_file(archive: tarfile.TarFile, path: Path, arcname: str) -> str:
    """Add one file, hashing exactly the bytes stored (an upload may change meanwhile)."""
    data = path.read_bytes()
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mtime = int(path.stat().st_mtime)
    info.mode = path.stat().st_mode & 0o777
    archive.addfile(info, io.BytesIO(data))
    return hashlib.sha256(data).hexdigest()


def write_archive(output: Path, database_file: Path, member: str, manifest: dict, root: Path):
    """The archive beside its final name first, renamed into place only once complete."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    files = {member: sha256_file(database_file)}
    try:
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(database_file, arcname=member)
            for path in private_files(root):
                arcname = f"{FILES_PREFIX}/{path.relative_to(root).as_posix()}"
                files[arcname] = add_file(archive, path, arcname)
            manifest["files"] = files
            encoded = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(encoded)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(encoded))
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def unpack(path: Path, into: Path) -> dict:
    """Extract the archive and return its manifest, once every member matches its hash."""
    damaged = _(
        "The backup %(file)s is damaged or incomplete (%(error)s); nothing was changed. "
        "Use another copy of the backup."
    )
    try:
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(into, filter="data")
    except FileNotFoundError as exc:
        raise BackupError(_("There is no backup file %(file)s.") % {"file": path}) from exc
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(damaged % {"file": path, "error": exc}) from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(damaged % {"file": path, "error": _("no readable manifest")}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(file)s is not a backup of this application (format %(format)s expected).")
            % {"file": path, "format": FORMAT}
        )
    check_members(path, into, manifest.get("files") or {})
    return manifest


def check_members(path: Path, root: Path, files: dict) -> None:
    """Every listed member present with its hash, and nothing unlisted."""
    found = {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}
    found.discard(MANIFEST)
    problems = sorted(found - set(files)) + sorted(set(files) - found)
    problems += [
        name
        for name, digest in sorted(files.items())
        if name in found and sha256_file(root / PurePosixPath(name)) != digest
    ]
    if problems:
        raise BackupError(
            _(
                "The backup %(file)s does not match its manifest (%(members)s); it is damaged "
                "or was altered. Nothing was changed."
            )
            % {"file": path, "members": ", ".join(problems[:5])}
        )


# Migrations -------------------------------------------------------------------------------


def known_migrations() -> set[tuple[str, str]]:
    """The migrations this version of the code has, including those a squash replaced."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(tuple(r) for r in migration.replaces)
    return known


def check_schema(manifest: dict) -> list[str]:
    """Refuse a backup of a newer schema; return the migrations it still lacks (older)."""
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    known = known_migrations()
    unknown = sorted(f"{app}.{name}" for app, name in applied - known)
    if unknown:
        raise BackupError(
            _(
                "This backup was made by a newer version of the application: its database has "
                "migrations this version does not know (%(migrations)s). Install that version "
                "(or a later one) first, then restore. Nothing was changed."
            )
            % {"migrations": ", ".join(unknown)}
        )
    return sorted(f"{app}.{name}" for app, name in known - applied)


def migrations_by_app(rows) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for app, name in rows:
        result.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(result.items())}


# SQLite -----------------------------------------------------------------------------------


def sqlite_integrity(path: Path, *, untouched: bool = False) -> None:
    """`PRAGMA integrity_check` must answer "ok"; `untouched`: said before anything changed."""
    connection = sqlite3.connect(path)
    try:
        rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    finally:
        connection.close()
    if rows != ["ok"] and untouched:
        raise BackupError(
            _(
                "The database in the backup fails its integrity check (%(problems)s); nothing "
                "was changed. Use another copy of the backup."
            )
            % {"problems": "; ".join(rows[:5])}
        )
    if rows != ["ok"]:
        raise BackupError(
            _("The SQLite database %(file)s fails its integrity check: %(problems)s")
            % {"file": path, "problems": "; ".join(rows[:5])}
        )


def sqlite_facts(path: Path) -> tuple[dict, dict]:
    """Applied migrations and the row count of every table of a database file."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {
            t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }
        migrations = connection.execute("SELECT app, name FROM django_migrations").fetchall()
    finally:
        connection.close()
    return migrations_by_app(migrations), counts


def sqlite_snapshot(source: Path, copy: Path) -> None:
    """An online copy: one backup step reads one consistent snapshot; writers go on (WAL)."""
    if not source.is_file():
        raise BackupError(_("There is no SQLite database at %(file)s.") % {"file": source})
    src = sqlite3.connect(source, timeout=20)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
        # The copy inherits WAL mode; a rollback journal makes the one file self-contained.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    sqlite_integrity(copy)


def sqlite_replace(target: Path, restored: Path) -> None:
    """Rename a complete copy over the database once nobody else has the old one open."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkstemp(prefix=f".{target.name}.restore-", dir=target.parent)[1])
    try:
        shutil.copyfile(restored, staged)
        with staged.open("rb+") as handle:
            os.fsync(handle.fileno())
        sqlite_integrity(staged, untouched=True)
        if target.exists():
            shutil.copymode(target, staged)
            with contextlib.suppress(PermissionError):
                stat = target.stat()
                os.chown(staged, stat.st_uid, stat.st_gid)
        with exclusive(target):
            os.replace(staged, target)
        fsync_dir(target.parent)
    finally:
        staged.unlink(missing_ok=True)


@contextlib.contextmanager
def exclusive(target: Path):
    """Hold the old database alone while it is replaced; refuse if anything else has it open.

    Leaving WAL mode needs the only connection, so it tells that the application is stopped;
    it also folds the write-ahead log into the file, so no stale log is left to be applied to
    the restored one. An EXCLUSIVE transaction then keeps newcomers out until the rename."""
    if not target.exists():
        yield
        return
    connection = sqlite3.connect(target, timeout=2, isolation_level=None)
    try:
        try:
            mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            connection.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            mode = None
        if mode != "delete":
            raise BackupError(
                _(
                    "The database %(file)s is in use: stop the application (and anything else "
                    "that opens the database) before restoring. Nothing was changed."
                )
                % {"file": target}
            )
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# PostgreSQL -------------------------------------------------------------------------------


def pg_environment(database: dict) -> dict[str, str]:
    """libpq's variables for the configured connection: the password never on a command line."""
    env = dict(os.environ)
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
    }
    options = database.get("OPTIONS") or {}
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        values[f"PG{key.upper()}"] = options.get(key)
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return env


def pg_tool(name: str, server_major: int) -> str:
    """The tool's path, if it is installed and not older than the server."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s is not installed. Install the PostgreSQL client tools of version "
                "%(major)s or later (Debian: apt-get install postgresql-client)."
            )
            % {"tool": name, "major": server_major}
        )
    output = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [path, "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    major = int(match.group(1)) if match else 0
    if major < server_major:
        raise BackupError(
            _(
                "%(tool)s is version %(tool_major)s but the server is PostgreSQL %(major)s: a "
                "dump needs client tools at least as new as the server. Install "
                "postgresql-client-%(major)s."
            )
            % {"tool": name, "tool_major": major or "?", "major": server_major}
        )
    return path


def pg_server_major(alias: str) -> int:
    connection = connections[alias]
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        raise BackupError(
            _("Cannot connect to the database %(name)s: %(error)s")
            % {"name": connection.settings_dict["NAME"], "error": str(exc).strip()}
        ) from exc
    major = connection.pg_version // 10000
    connection.close()
    return major


def pg_run(arguments: list[str], database: dict, failed: str) -> None:
    result = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        arguments, env=pg_environment(database), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            failed
            % {
                "tool": Path(arguments[0]).name,
                "status": result.returncode,
                "error": result.stderr.strip()[-2000:],
            }
        )


def pg_facts(alias: str) -> tuple[dict, dict]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = cursor.fetchall()
    return migrations_by_app(migrations), counts


def pg_dump(alias: str, database: dict, output: Path) -> tuple[dict, dict, int]:
    """Dump with the snapshot in which the manifest's migrations and row counts are read."""
    major = pg_server_major(alias)
    tool = pg_tool("pg_dump", major)
    connection = connections[alias]
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        migrations, counts = pg_facts(alias)
        pg_run(
            [tool, "--format=custom", f"--snapshot={snapshot}", f"--file={output}"],
            database,
            _("%(tool)s failed (exit status %(status)s): %(error)s"),
        )
    connection.close()
    return migrations, counts, major


def pg_restore(alias: str, database: dict, dump: Path) -> None:
    tool = pg_tool("pg_restore", pg_server_major(alias))
    pg_run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={database['NAME']}",
            str(dump),
        ],
        database,
        _(
            "%(tool)s failed (exit status %(status)s); its single transaction was rolled back, "
            "so nothing was changed: %(error)s"
        ),
    )


# The two operations -------------------------------------------------------------------------


def create_backup(output: Path, alias: str = "default") -> dict:
    """Write a backup of the database and the private files to `output`; return its manifest."""
    target = Target.configured(alias)
    engine = target.engine
    manifest = {"format": FORMAT, "created": timezone.localtime().isoformat(), "engine": engine}
    output = Path(output).absolute()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=output.parent) as work:
        if engine == "sqlite":
            database_file, member = Path(work) / SQLITE_MEMBER, SQLITE_MEMBER
            sqlite_snapshot(target.sqlite_path, database_file)
            migrations, counts = sqlite_facts(database_file)
        else:
            database_file, member = Path(work) / PG_MEMBER, PG_MEMBER
            migrations, counts, major = pg_dump(alias, target.database, database_file)
            manifest["server_major"] = major
        manifest.update(migrations=migrations, tables=counts, database=member)
        return write_archive(output, database_file, member, manifest, target.private_root)


def read_backup(path: Path, work: Path, alias: str = "default") -> tuple[dict, list[str]]:
    """Unpack and verify a backup for this installation; return it and the migrations it lacks."""
    target = Target.configured(alias)
    manifest = unpack(Path(path), work)
    if manifest.get("engine") != target.engine:
        raise BackupError(
            _(
                "This is a backup of a %(backup)s database, but the application uses "
                "%(current)s. Move meetings between the two with export_meeting and "
                "import_meeting. Nothing was changed."
            )
            % {
                "backup": ENGINE_NAMES.get(manifest.get("engine"), manifest.get("engine")),
                "current": ENGINE_NAMES[target.engine],
            }
        )
    missing = check_schema(manifest)
    if target.engine == "sqlite":
        sqlite_integrity(work / SQLITE_MEMBER, untouched=True)
    return manifest, missing


def restore_backup(work: Path, manifest: dict, alias: str = "default") -> None:
    """Replace the database, then the private folder, with a verified, unpacked backup."""
    target = Target.configured(alias)
    incoming = work / FILES_PREFIX
    incoming.mkdir(exist_ok=True)
    if target.engine == "sqlite":
        connections[alias].close()
        sqlite_replace(target.sqlite_path, work / SQLITE_MEMBER)
        sqlite_integrity(target.sqlite_path)
        counts = sqlite_facts(target.sqlite_path)[1]
    else:
        pg_restore(alias, target.database, work / PG_MEMBER)
        counts = pg_facts(alias)[1]
        connections[alias].close()
    swap_private(target.private_root, incoming)
    differ = sorted(
        table for table, count in manifest["tables"].items() if counts.get(table) != count
    )
    if differ:
        raise BackupError(
            _("The restored database's row counts differ from the backup's in: %(tables)s.")
            % {"tables": ", ".join(differ)}
        )


def swap_private(root: Path, incoming: Path) -> None:
    """Put the backup's files in place of the private folder (renames on one file system)."""
    root = root.absolute()
    root.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{root.name}.restore-", dir=root.parent))
    old = staged / "old"
    shutil.copytree(incoming, staged / "new")
    if root.exists():
        shutil.copymode(root, staged / "new")
        os.rename(root, old)
    os.rename(staged / "new", root)
    shutil.rmtree(staged)


def describe(manifest: dict) -> str:
    """One line: when, which engine, how many rows and files."""
    rows = sum(manifest["tables"].values())
    files = sum(1 for name in manifest["files"] if name.startswith(f"{FILES_PREFIX}/"))
    return _(
        "%(engine)s database of %(created)s: %(tables)d tables, %(rows)d rows; "
        "%(files)d private files"
    ) % {
        "engine": ENGINE_NAMES[manifest["engine"]],
        "created": manifest["created"],
        "tables": len(manifest["tables"]),
        "rows": rows,
        "files": files,
    }

"""`manage.py backup [--output FILE]`: the database and the private uploads in one file."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appraisal.backup import BackupError, create_backup, describe


class Command(BaseCommand):
    help = (
        "Back up the whole installation while it runs: the database (SQLite online backup or "
        "pg_dump) and every file under PRIVATE_ROOT, with a manifest of hashes, into one "
        ".tar.gz. The file's path is the last line of the output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="the file to write (default: appraisal-backup-YYYYMMDD-HHMMSS.tar.gz here)",
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            output = Path(options["output"] or f"appraisal-backup-{stamp}.tar.gz")
            try:
                manifest = create_backup(output)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            except OSError as exc:
                raise CommandError(
                    _("Cannot write the backup %(file)s: %(error)s.")
                    % {"file": output, "error": exc.strerror or exc}
                ) from exc
            self.stdout.write(_("Backed up the %(what)s.") % {"what": describe(manifest)})
            self.stdout.write(str(output.absolute()))

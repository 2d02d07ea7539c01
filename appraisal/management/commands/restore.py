"""`manage.py restore FILE [--no-input]`: put a backup made by `backup` back, all or nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from appraisal.backup import BackupError, Target, describe, read_backup, restore_backup


class Command(BaseCommand):
    help = (
        "Replace the database and every file under PRIVATE_ROOT with a backup made by the "
        "backup command. Stop the application first. The backup is verified completely before "
        "anything changes; a damaged backup, one of another database engine or of a newer "
        "version of the application is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup, a .tar.gz written by the backup command")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            target = Target.configured()
            work_parent = Path(target.private_root).absolute().parent
            work_parent.mkdir(parents=True, exist_ok=True)
            try:
                with tempfile.TemporaryDirectory(prefix=".restore-", dir=work_parent) as work:
                    manifest, missing = read_backup(Path(options["file"]), Path(work))
                    self.stdout.write(
                        _("Verified the backup: %(what)s.") % {"what": describe(manifest)}
                    )
                    if options["interactive"] and not self.confirm(target):
                        raise CommandError(_("Restore cancelled; nothing was changed."))
                    restore_backup(Path(work), manifest)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(_("Restored the database and the private files."))
            if missing:
                self.stdout.write(
                    _(
                        "The backup was made before migrations %(migrations)s: run "
                        "python manage.py migrate now."
                    )
                    % {"migrations": ", ".join(missing)}
                )

    def confirm(self, target: Target) -> bool:
        database = target.database["NAME"]
        answer = input(
            _(
                "This replaces the whole database %(database)s and every file under "
                "%(private)s with the backup. Type yes to continue: "
            )
            % {"database": database, "private": target.private_root}
        )
        return answer.strip().lower() == "yes"

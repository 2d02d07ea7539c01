from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Appraisal meetings")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from appraisal.dbguard import ensure_triggers
        from appraisal.signals import roster_imported
        from meetings import audit

        roster_imported.connect(audit.record_roster_import, dispatch_uid="audit_roster_import")
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="dbguard_triggers")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "appraisal"
    verbose_name = _("Roster and schemes")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from appraisal.dbguard import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="appraisal_dbguard")

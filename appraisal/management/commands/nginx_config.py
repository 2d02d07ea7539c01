"""`manage.py nginx_config`: the nginx configuration that serves the hall in front of gunicorn."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

# The app's limit for duty reports and evidence (meetings.uploads, which this package may not
# import; a test keeps the two equal) and the request bodies nginx passes on: above it, so a
# file a little too large still gets the app's own message.
APP_UPLOAD_MB = 20
MAX_BODY_MB = 50
# gunicorn's --timeout (60 s, ./run) ends a stuck request first and answers 500 itself.
READ_TIMEOUT = 90
TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


# What would end an nginx directive or start a block: an option's value may not hold them.
UNSAFE = re.compile(r"[;{}\"'\\#$\s]")
FILE_OPTIONS = ("tls_certificate", "tls_key")


def port_of(listen: str) -> str:
    """The port of an nginx `listen` value: "443", "127.0.0.1:8443" or "[::]:8443"."""
    return listen.rsplit(":", 1)[-1] if ":" in listen else listen


class Command(BaseCommand):
    help = (
        "Print the nginx configuration that puts nginx in front of the app's gunicorn: it "
        "keeps the laptops' connections and buffers them, redacts link tokens from its logs "
        "and, with --tls-certificate and --tls-key, serves HTTPS and redirects HTTP. "
        "With --standalone DIR it writes a complete nginx.conf into DIR for an nginx run "
        "as an ordinary user."
    )

    def add_arguments(self, parser):
        parser.add_argument("--listen", help="address:port or port (80; 443 with TLS)")
        parser.add_argument("--server-name", default="_", help="host names (_: any)")
        parser.add_argument(
            "--upstream",
            default="127.0.0.1:8000",
            help="where gunicorn listens: 127.0.0.1:8000 or unix:/run/appraisal/gunicorn.sock",
        )
        parser.add_argument("--tls-certificate", help="PEM certificate (chain) for HTTPS")
        parser.add_argument("--tls-key", help="its private key")
        parser.add_argument(
            "--redirect-listen", default="80", help="with TLS: where HTTP is redirected (80)"
        )
        parser.add_argument("--access-log", help="default /var/log/nginx/appraisal.access.log")
        parser.add_argument("--error-log", help="default /var/log/nginx/error.log")
        parser.add_argument("--standalone", metavar="DIR", help="write DIR/nginx.conf")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            config, prefix = self.render(options)
            if prefix is None:
                self.stdout.write(config, ending="")
                return
            try:
                for name in TEMP_DIRS:
                    (prefix / "temp" / name).mkdir(parents=True, exist_ok=True)
                (prefix / "nginx.conf").write_text(config, encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    _("Cannot write the file %(file)s: %(error)s.")
                    % {"file": prefix / "nginx.conf", "error": exc.strerror or exc}
                ) from exc
            self.stdout.write(str(prefix / "nginx.conf"))

    def refuse_unusable(self, options) -> None:
        """Refuse, before writing anything, what nginx would misread or not find."""
        for name in ("listen", "upstream", "redirect_listen", "access_log", "error_log"):
            self.check_value(name, options[name])
        for server_name in options["server_name"].split(" "):  # names, one space apart
            self.check_value("server_name", server_name)
        for name in FILE_OPTIONS:
            self.check_value(name, options[name])
            if options[name] and not Path(options[name]).is_file():
                raise CommandError(
                    _("--%(option)s: there is no file %(file)s.")
                    % {"option": name.replace("_", "-"), "file": options[name]}
                )
        if bool(options["tls_certificate"]) != bool(options["tls_key"]):
            raise CommandError(_("HTTPS needs both --tls-certificate and --tls-key."))

    def check_value(self, name: str, value: str | None) -> None:
        if value is not None and (not value or UNSAFE.search(value)):
            raise CommandError(
                _("--%(option)s “%(value)s” is not usable in an nginx configuration: leave out "
                  "spaces and the characters ; { } \" ' \\ # $.")
                % {"option": name.replace("_", "-"), "value": value}
            )  # fmt: skip

    def render(self, options) -> tuple[str, Path | None]:
        self.refuse_unusable(options)
        tls = bool(options["tls_certificate"])
        prefix = Path(options["standalone"]).resolve() if options["standalone"] else None
        logs = prefix or Path("/var/log/nginx")
        listen = options["listen"] or ("443" if tls else "80")
        context = {
            "standalone": prefix is not None,
            "as_root": os.geteuid() == 0,
            "prefix": prefix,
            "listen": listen,
            "server_name": options["server_name"],
            "upstream": options["upstream"],
            "tls": tls,
            "tls_certificate": tls and Path(options["tls_certificate"]).resolve(),
            "tls_key": tls and Path(options["tls_key"]).resolve(),
            "redirect_listen": options["redirect_listen"],
            "https_port": "" if port_of(listen) == "443" else port_of(listen),
            "access_log": options["access_log"] or logs / "appraisal.access.log",
            "error_log": options["error_log"] or logs / "error.log",
            "max_body_mb": MAX_BODY_MB,
            "app_upload_mb": APP_UPLOAD_MB,
            "read_timeout": READ_TIMEOUT,
        }
        return render_to_string("deploy/nginx.conf", context), prefix

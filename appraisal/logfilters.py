"""Keep link tokens out of the server's logs.

A seat, projector or commenter link is its holder's only credential, and Django logs the path
of every 4xx/5xx answer ("Bad Request: /s/<token>/ballots"). This filter, on every handler
(settings.LOGGING), replaces the token part of such paths before anything is written.
"""

from __future__ import annotations

import logging
import re

TOKEN_PATH = re.compile(r"(/[spc]/)[^/\s\"']{8,}")
REDACTED = r"\1[link]"


def redact(text: str) -> str:
    return TOKEN_PATH.sub(REDACTED, text)


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        # Django attaches the request; a formatter printing it would bring the path back.
        if hasattr(record, "request"):
            record.request = None
        return True

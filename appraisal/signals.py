"""Signals the roster side sends; the meetings app writes them to the audit trail."""

from django.dispatch import Signal

# Sent inside the import's transaction after a roster workbook was stored:
# committee=Committee, by=User, summary=str.
roster_imported = Signal()

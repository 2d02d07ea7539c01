"""Meetings in the admin, scoped to the staff member's committees."""

from django.contrib import admin

from appraisal.admin import SCOPE_PATHS, ScopedAdmin
from meetings.models import (
    Ballot,
    Comment,
    Meeting,
    MeetingEvent,
    RectificationItem,
    Reporter,
    Seat,
)

SCOPE_PATHS.update(
    {
        Meeting: "committee",
        MeetingEvent: "committee",
        Reporter: "meeting__committee",
        Seat: "meeting__committee",
        Ballot: "reporter__meeting__committee",
        Comment: "reporter__meeting__committee",
        RectificationItem: "organization__committee",
    }
)


class ReporterInline(admin.TabularInline):
    model = Reporter
    extra = 0
    fields = ["order", "organization", "secretary_name", "daily", "vetoed", "scoring"]


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["title", "year", "date", "stage", "committee"]
    list_filter = ["stage", "year"]
    search_fields = ["title"]
    readonly_fields = ["stage"]
    inlines = [ReporterInline]


@admin.register(Seat)
class SeatAdmin(ScopedAdmin):
    list_display = ["code", "meeting", "group", "organization"]
    search_fields = ["code"]


@admin.register(Ballot)
class BallotAdmin(ScopedAdmin):
    """Ballots are read-only here: they enter only through the rules in meetings/ballots.py."""

    list_display = ["seat", "reporter", "grade", "receipt"]
    readonly_fields = ["seat", "reporter", "ballot_id", "receipt", "scores", "grade", "opinion"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(ScopedAdmin):
    list_display = ["reporter", "author", "created_at"]


@admin.register(RectificationItem)
class RectificationItemAdmin(ScopedAdmin):
    list_display = ["organization", "source", "status", "deadline", "owner"]
    list_filter = ["status", "source"]
    search_fields = ["problem", "organization__name"]

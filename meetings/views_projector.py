"""The projector (大屏): a read-only page for the hall screen, opened by a token link."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from meetings import live
from meetings.models import Meeting
from meetings.tokens import token_hash


def get_projected_meeting_or_404(token: str) -> Meeting:
    """The meeting whose current projector link is `token`; reissued or unknown links 404."""
    return get_object_or_404(Meeting, projector_token_hash=token_hash(token))


@never_cache
@require_GET
def projector(request, token):
    meeting = get_projected_meeting_or_404(token)
    state_url = reverse("projector_state", args=[token])
    return render(request, "meetings/projector.html", {"meeting": meeting, "state_url": state_url})


@never_cache
@require_GET
def projector_state(request, token):
    """The hall's state as JSON, polled every 2 s; scores only once results are shown."""
    meeting = get_projected_meeting_or_404(token)
    return JsonResponse(live.projector_state(meeting), json_dumps_params={"ensure_ascii": False})

"""Template context shared by every page."""

from appraisal.permissions import user_committee


def committee(request) -> dict:
    user = getattr(request, "user", None)
    return {"current_committee": user_committee(user) if user is not None else None}

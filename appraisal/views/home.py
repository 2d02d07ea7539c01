"""The start page after signing in."""

from django.shortcuts import redirect, render

from appraisal.permissions import is_staff_member


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if not is_staff_member(request.user):
        # A secretary's login leads to their own duty reports (a meetings page, by URL name).
        if getattr(request.user, "secretary", None) is not None:
            return redirect("my_reports")
        return render(request, "appraisal/no_committee.html", status=403)
    return redirect("meeting_list")

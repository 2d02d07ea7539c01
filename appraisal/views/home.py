"""The start page after signing in."""

from django.shortcuts import redirect, render

from appraisal.permissions import is_staff_member


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if not is_staff_member(request.user):
        return render(request, "appraisal/no_committee.html", status=403)
    return redirect("meeting_list")

"""An evaluator's seat link (/s/<token>/): the page and the JSON interface of SCORING.md."""

from django.urls import re_path

from meetings import views_evaluator as views

# A trailing slash after "state" or "ballots" is accepted too: scripts write both.
urlpatterns = [
    re_path(r"^(?P<token>[^/]+)/$", views.evaluator_page, name="evaluator"),
    re_path(r"^(?P<token>[^/]+)/state/?$", views.evaluator_state, name="evaluator_state"),
    re_path(r"^(?P<token>[^/]+)/ballots/?$", views.evaluator_ballot, name="evaluator_ballot"),
    re_path(
        r"^(?P<token>[^/]+)/reports/(?P<org>.+?)/?$",  # an org code may hold "/"
        views.evaluator_report,
        name="evaluator_report",
    ),
]

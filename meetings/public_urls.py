"""Links that need no account: evaluators' seats, the projector, commenting leaders."""

from django.urls import include, path

urlpatterns = [
    path("s/", include("meetings.urls_evaluator")),
    path("p/", include("meetings.urls_projector")),
    path("c/", include("meetings.urls_commenter")),
]

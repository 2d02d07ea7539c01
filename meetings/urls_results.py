"""Drill-down from the results page to the ballots behind each reporter's numbers."""

from django.urls import path

from meetings import views_results as results

urlpatterns = [
    path(
        "<int:pk>/results/reporters/<int:reporter_pk>/",
        results.reporter_results,
        name="meeting_results_reporter",
    ),
]

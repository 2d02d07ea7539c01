"""The audit trail: per meeting, and for the committees in scope."""

from django.urls import path

from meetings import views_audit as audit

urlpatterns = [
    path("audit/", audit.committee_audit, name="committee_audit"),
    path("<int:pk>/audit/", audit.meeting_audit, name="meeting_audit"),
]

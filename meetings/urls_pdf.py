"""The leadership report and the feedback letters as downloads (staff, under /meetings/)."""

from django.urls import path

from meetings import views_pdf as views

urlpatterns = [
    path("<int:pk>/report.pdf", views.meeting_report_pdf, name="meeting_report_pdf"),
    path("<int:pk>/letters.zip", views.meeting_letters_zip, name="meeting_letters_zip"),
    path(
        "<int:pk>/letters/<int:reporter_pk>.pdf",
        views.meeting_letter_pdf,
        name="meeting_letter_pdf",
    ),
]

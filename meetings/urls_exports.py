from django.urls import path

from meetings import views_exports

urlpatterns = [
    path("<int:pk>/export.xlsx", views_exports.meeting_export_xlsx, name="meeting_export_xlsx"),
]

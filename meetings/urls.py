from django.urls import include, path

from meetings import views, views_results

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/reporters/", views.reporter_add, name="reporter_add"),
    path("<int:pk>/reporters/daily/", views.reporter_daily, name="reporter_daily"),
    path("<int:pk>/reporters/<int:reporter_pk>/move/", views.reporter_move, name="reporter_move"),
    path(
        "<int:pk>/reporters/<int:reporter_pk>/remove/",
        views.reporter_remove,
        name="reporter_remove",
    ),
    path("<int:pk>/stage/", views.meeting_advance, name="meeting_advance"),
    path("<int:pk>/results/", views_results.meeting_results_view, name="meeting_results"),
    path("<int:pk>/export.json", views.meeting_export_json, name="meeting_export_json"),
]

# The live hall, each part in its own module (staff pages under /meetings/<pk>/...).
urlpatterns += [
    path("", include("meetings.urls_desk")),
    path("", include("meetings.urls_seats")),
    path("", include("meetings.urls_reports")),
    path("", include("meetings.urls_paper")),
    path("", include("meetings.urls_items")),
    path("", include("meetings.urls_results")),
    path("", include("meetings.urls_pdf")),
    path("", include("meetings.urls_exports")),
    path("", include("meetings.urls_audit")),
]

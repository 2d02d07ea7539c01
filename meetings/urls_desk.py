"""The control desk (staff), under /meetings/<pk>/desk/."""

from django.urls import path

from meetings import views_desk

urlpatterns = [
    path("<int:pk>/desk/", views_desk.desk, name="desk"),
    path("<int:pk>/desk/panel/", views_desk.desk_panel, name="desk_panel"),
    path("<int:pk>/desk/time-limit/", views_desk.desk_time_limit, name="desk_time_limit"),
    path(
        "<int:pk>/desk/projector-link/",
        views_desk.desk_projector_link,
        name="desk_projector_link",
    ),
    path("<int:pk>/desk/<slug:action>/", views_desk.desk_action, name="desk_action"),
]

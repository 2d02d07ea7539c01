"""The hall screen: a read-only link with a token, no account (under /p/)."""

from django.urls import path

from meetings import views_projector

urlpatterns = [
    path("<str:token>/", views_projector.projector, name="projector"),
    path("<str:token>/state", views_projector.projector_state, name="projector_state"),
]

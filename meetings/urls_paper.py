"""Paper ballots and the practice round (staff), under /meetings/<pk>/."""

from django.urls import path

from meetings import views_paper

urlpatterns = [
    path("<int:pk>/paper/", views_paper.paper_list, name="paper_list"),
    path("<int:pk>/paper/new/", views_paper.paper_new, name="paper_new"),
    path("<int:pk>/paper/<int:entry_pk>/decide/", views_paper.paper_decide, name="paper_decide"),
    path("<int:pk>/rehearsal/", views_paper.rehearsal_page, name="rehearsal"),
    path("<int:pk>/rehearsal/purge/", views_paper.rehearsal_purge, name="rehearsal_purge"),
]

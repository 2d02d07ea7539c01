"""A commenting leader's link (/c/<token>/): their own comments, nothing else."""

from django.urls import path

from meetings import views_comments as comments

urlpatterns = [
    path("<str:token>/", comments.commenter_home, name="commenter_home"),
    path("<str:token>/<int:reporter_pk>/", comments.commenter_reporter, name="commenter_reporter"),
    path(
        "<str:token>/comments/<int:comment_pk>/",
        comments.commenter_comment_edit,
        name="commenter_comment_edit",
    ),
]

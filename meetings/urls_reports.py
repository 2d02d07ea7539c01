"""Duty reports, comments and questions: staff pages under /meetings/<pk>/, and the
secretary's own pages under /meetings/my/."""

from django.urls import path

from meetings import views_comments as comments
from meetings import views_reports as reports

REPORTER = "<int:pk>/reporters/<int:reporter_pk>/"

urlpatterns = [
    path("my/", reports.my_reports, name="my_reports"),
    path("my/<int:reporter_pk>/", reports.my_report, name="my_report"),
    path("my/<int:reporter_pk>/file/", reports.my_report_download, name="my_report_download"),
    path("<int:pk>/reports/", reports.report_list, name="report_list"),
    path(REPORTER + "report/", reports.report_edit, name="report_edit"),
    path(REPORTER + "report/file/", reports.report_download, name="report_download"),
    path(REPORTER + "report/self-items/", reports.report_self_items, name="report_self_items"),
    path(REPORTER + "secretary-account/", reports.secretary_account, name="secretary_account"),
    path(REPORTER + "comments/", comments.comment_list, name="comment_list"),
    path(REPORTER + "comments/add/", comments.comment_add, name="comment_add"),
    path(REPORTER + "comments/<int:comment_pk>/", comments.comment_edit, name="comment_edit"),
    path(
        REPORTER + "comments/<int:comment_pk>/delete/",
        comments.comment_delete,
        name="comment_delete",
    ),
    path(
        REPORTER + "comments/<int:comment_pk>/problems/",
        comments.comment_problems,
        name="comment_problems",
    ),
    path(REPORTER + "questions/add/", comments.question_add, name="question_add"),
    path(REPORTER + "questions/<int:question_pk>/", comments.question_edit, name="question_edit"),
    path(
        REPORTER + "questions/<int:question_pk>/delete/",
        comments.question_delete,
        name="question_delete",
    ),
    path(REPORTER + "opinions/", comments.reporter_opinions, name="reporter_opinions"),
    path("<int:pk>/commenters/", comments.commenter_links, name="commenter_links"),
    path(
        "<int:pk>/commenters/<int:link_pk>/revoke/",
        comments.commenter_link_revoke,
        name="commenter_link_revoke",
    ),
]

"""Comments (点评) and questions (询问) per reporter, the problems they name, evaluators'
opinions turned into items, and the commenting leaders' own links."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal.permissions import staff_required
from meetings.models import Ballot, Comment, CommenterLink, ProblemSource, Question
from meetings.permissions import get_meeting_or_404, get_reporter_or_404
from meetings.permissions_reports import get_commenter_link_or_404, staff_can_edit
from meetings.problems import propose_problems
from meetings.report_forms import (
    CommenterLinkForm,
    CommentForm,
    OpinionChoiceForm,
    OwnCommentForm,
    ProblemRowFormSet,
    QuestionForm,
    merged_rows,
)
from meetings.views_reports import add_rectification_items


def load(user, pk, reporter_pk, *, change: bool = False):
    """The meeting and reporter for a staff page; changes only until scoring closes."""
    meeting = get_meeting_or_404(user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    if change and not staff_can_edit(meeting):
        raise PermissionDenied
    return meeting, reporter


def back_to_comments(reporter):
    return redirect("comment_list", pk=reporter.meeting_id, reporter_pk=reporter.pk)


@staff_required
def comment_list(request, pk, reporter_pk):
    meeting, reporter = load(request.user, pk, reporter_pk)
    context = {
        "meeting": meeting,
        "reporter": reporter,
        "comments": reporter.comments.prefetch_related("items"),
        "questions": reporter.questions.all(),
        "editable": staff_can_edit(meeting),
        "comment_form": CommentForm(),
        "question_form": QuestionForm(),
        "n_opinions": Ballot.objects.filter(reporter=reporter).exclude(opinion="").count(),
    }
    return render(request, "meetings/comment_list.html", context)


@staff_required
@require_POST
def comment_add(request, pk, reporter_pk):
    meeting, reporter = load(request.user, pk, reporter_pk, change=True)
    form = CommentForm(request.POST, instance=Comment(reporter=reporter))
    if not form.is_valid():
        context = {"meeting": meeting, "reporter": reporter, "form": form}
        return render(request, "meetings/comment_form.html", context)
    comment = form.save()
    messages.success(request, _("Comment saved. Check the problems it names."))
    return redirect(
        "comment_problems", pk=meeting.pk, reporter_pk=reporter.pk, comment_pk=comment.pk
    )


@staff_required
def comment_edit(request, pk, reporter_pk, comment_pk):
    meeting, reporter = load(request.user, pk, reporter_pk, change=True)
    comment = get_object_or_404(reporter.comments, pk=comment_pk)
    form = CommentForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Comment saved."))
        return back_to_comments(reporter)
    context = {"meeting": meeting, "reporter": reporter, "form": form, "comment": comment}
    return render(request, "meetings/comment_form.html", context)


@staff_required
@require_POST
def comment_delete(request, pk, reporter_pk, comment_pk):
    meeting, reporter = load(request.user, pk, reporter_pk, change=True)
    get_object_or_404(reporter.comments, pk=comment_pk).delete()
    messages.success(request, _("Comment deleted; rectification items made from it stay."))
    return back_to_comments(reporter)


@staff_required
@require_POST
def question_add(request, pk, reporter_pk):
    meeting, reporter = load(request.user, pk, reporter_pk, change=True)
    form = QuestionForm(request.POST, instance=Question(reporter=reporter))
    if not form.is_valid():
        context = {"meeting": meeting, "reporter": reporter, "form": form, "is_question": True}
        return render(request, "meetings/comment_form.html", context)
    form.save()
    messages.success(request, _("Question saved."))
    return back_to_comments(reporter)


@staff_required
def question_edit(request, pk, reporter_pk, question_pk):
    meeting, reporter = load(request.user, pk, reporter_pk, change=True)
    question = get_object_or_404(reporter.questions, pk=question_pk)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Question saved."))
        return back_to_comments(reporter)
    context = {"meeting": meeting, "reporter": reporter, "form": form, "is_question": True}
    return render(request, "meetings/comment_form.html", {**context, "question": question})


@staff_required
@require_POST
def question_delete(request, pk, reporter_pk, question_pk):
    meeting, reporter = load(request.user, pk, reporter_pk, change=True)
    get_object_or_404(reporter.questions, pk=question_pk).delete()
    messages.success(request, _("Question deleted."))
    return back_to_comments(reporter)


@staff_required
def comment_problems(request, pk, reporter_pk, comment_pk):
    """The problems a comment names, as rows to edit, merge, drop, then accept as items."""
    meeting, reporter = load(request.user, pk, reporter_pk)
    comment = get_object_or_404(reporter.comments, pk=comment_pk)
    formset = ProblemRowFormSet(request.POST or None)
    if request.method == "POST" and formset.is_valid():
        rows = merged_rows(formset)
        if "accept" in request.POST and rows:
            added, present = add_rectification_items(reporter, rows, ProblemSource.COMMENT, comment)
            messages.success(
                request,
                _("%(added)d rectification item(s) added; %(present)d were already there.")
                % {"added": added, "present": present},
            )
            return back_to_comments(reporter)
        formset = ProblemRowFormSet(initial=[{"text": row} for row in rows])
    elif request.method == "GET":
        formset = ProblemRowFormSet(initial=[{"text": p} for p in propose_problems(comment.text)])
    context = {"meeting": meeting, "reporter": reporter, "comment": comment, "formset": formset}
    return render(
        request, "meetings/comment_problems.html", {**context, "items": comment.items.all()}
    )


def opinion_choices(meeting, reporter) -> list[tuple[str, str]]:
    """(ballot id, label) of the written opinions; anonymous meetings show no seat."""
    ballots = Ballot.objects.filter(reporter=reporter).exclude(opinion="").select_related("seat")
    if meeting.anonymous:
        # Sorted by text, not by time or seat, so the list ties no opinion to anyone.
        return sorted(((str(b.pk), b.opinion) for b in ballots), key=lambda c: c[1])
    return [(str(b.pk), f"{b.seat.code}：{b.opinion}") for b in ballots.order_by("seat__code")]


@staff_required
def reporter_opinions(request, pk, reporter_pk):
    """Evaluators' written opinions, ticked to become items with source 民主评议."""
    meeting, reporter = load(request.user, pk, reporter_pk)
    choices = opinion_choices(meeting, reporter)
    form = OpinionChoiceForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["opinions"])
        texts = list(
            Ballot.objects.filter(reporter=reporter, pk__in=chosen).values_list(
                "opinion", flat=True
            )
        )
        added, present = add_rectification_items(reporter, texts, ProblemSource.APPRAISAL)
        messages.success(
            request,
            _("%(added)d rectification item(s) added; %(present)d were already there.")
            % {"added": added, "present": present},
        )
        return redirect("reporter_opinions", pk=meeting.pk, reporter_pk=reporter.pk)
    items = reporter.organization.rectification_items.filter(
        meeting=meeting, source=ProblemSource.APPRAISAL
    )
    context = {"meeting": meeting, "reporter": reporter, "form": form, "items": items}
    return render(request, "meetings/comment_opinions.html", context)


@never_cache
@staff_required
def commenter_links(request, pk):
    """Links for commenting leaders; a new link is shown on this response only, never again."""
    meeting = get_meeting_or_404(request.user, pk)
    form = CommenterLinkForm(request.POST or None, meeting=meeting)
    new_url = None
    if request.method == "POST" and form.is_valid():
        link, token = CommenterLink.issue(meeting, form.cleaned_data["name"])
        new_url = request.build_absolute_uri(reverse("commenter_home", args=[token]))
        messages.success(request, _("Link for %(name)s issued.") % {"name": link.name})
        form = CommenterLinkForm(meeting=meeting)
    context = {"meeting": meeting, "form": form, "new_url": new_url}
    return render(
        request, "meetings/comment_links.html", {**context, "links": meeting.commenter_links.all()}
    )


@staff_required
@require_POST
def commenter_link_revoke(request, pk, link_pk):
    meeting = get_meeting_or_404(request.user, pk)
    link = get_object_or_404(meeting.commenter_links, pk=link_pk, revoked_at__isnull=True)
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    messages.success(request, _("The link of %(name)s no longer works.") % {"name": link.name})
    return redirect("commenter_links", pk=meeting.pk)


def own_comments(link: CommenterLink):
    return Comment.objects.filter(reporter__meeting=link.meeting, author=link.name)


@never_cache
def commenter_home(request, token):
    """A commenting leader's page: the reporters, the one speaking now first."""
    link = get_commenter_link_or_404(token)
    meeting = link.meeting
    current = meeting.current_reporter_id or 0
    reporters = meeting.reporters.select_related("organization").order_by(
        Case(When(pk=current, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "order",
    )
    mine = own_comments(link)
    context = {"link": link, "meeting": meeting, "reporters": reporters, "token": token}
    return render(
        request,
        "meetings/comment_public.html",
        {**context, "comments": mine.select_related("reporter")},
    )


@never_cache
def commenter_reporter(request, token, reporter_pk):
    """The leader writes a comment on one reporter and sees only their own comments on it."""
    link = get_commenter_link_or_404(token)
    reporter = get_object_or_404(
        link.meeting.reporters.select_related("organization"), pk=reporter_pk
    )
    editable = staff_can_edit(link.meeting)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    form = OwnCommentForm(
        request.POST or None, instance=Comment(reporter=reporter, author=link.name)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Comment saved."))
        return redirect("commenter_reporter", token=token, reporter_pk=reporter.pk)
    context = {"link": link, "meeting": link.meeting, "reporter": reporter, "token": token}
    context["comments"] = own_comments(link).filter(reporter=reporter)
    return render(
        request,
        "meetings/comment_public_reporter.html",
        {**context, "form": form, "editable": editable},
    )


@never_cache
def commenter_comment_edit(request, token, comment_pk):
    link = get_commenter_link_or_404(token)
    comment = get_object_or_404(own_comments(link).select_related("reporter"), pk=comment_pk)
    editable = staff_can_edit(link.meeting)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    form = OwnCommentForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Comment saved."))
        return redirect("commenter_reporter", token=token, reporter_pk=comment.reporter_id)
    context = {"link": link, "meeting": link.meeting, "reporter": comment.reporter, "token": token}
    context.update(form=form, comment=comment, editable=editable)
    return render(request, "meetings/comment_public_edit.html", context)

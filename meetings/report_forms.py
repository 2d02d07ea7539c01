"""Forms of duty reports, secretaries' accounts, comments, questions and problem proposals."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisal.models import Secretary
from meetings.models import Comment, CommenterLink, DutyReport, Meeting, Question
from meetings.uploads import Document, check_document, stored_name

TEXTAREA = partial(forms.Textarea, attrs={"rows": 4})


class DutyReportForm(forms.ModelForm):
    """The written report: a checked file (optional) and the structured parts."""

    upload = forms.FileField(
        label=_("Report file (PDF or Word .docx, up to 20 MB)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx"}),
    )

    class Meta:
        model = DutyReport
        fields = ["achievements", "problems", "causes", "plans", "self_examination"]
        widgets = {
            "achievements": TEXTAREA(),
            "problems": TEXTAREA(),
            "causes": TEXTAREA(),
            "plans": TEXTAREA(),
            "self_examination": forms.Textarea(attrs={"rows": 6}),
        }

    document: Document | None = None

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                self.document = check_document(upload)
            except forms.ValidationError as error:
                # A browser never refills a file input: say so beside the reason.
                again = forms.ValidationError(gettext("Please choose the file again."))
                raise forms.ValidationError([*error.error_list, again]) from None
        return upload

    def clean_self_examination(self) -> str:
        lines = self.cleaned_data["self_examination"].splitlines()
        return "\n".join(line.strip() for line in lines if line.strip())

    def save_report(self, *, by) -> DutyReport:
        """Save the parts and the new file; the replaced file goes once the save is committed."""
        report = self.save(commit=False)
        old_name = report.file.name if report.file else ""
        storage = report.file.storage
        if self.document is not None:
            upload = self.cleaned_data["upload"]
            upload.name = stored_name(self.document)
            report.file = upload
            report.file_name = self.document.original_name[:200]
        report.updated_by = by
        with transaction.atomic():
            report.save()
            if old_name and old_name != report.file.name:
                transaction.on_commit(partial(storage.delete, old_name))
        return report


class SecretaryAccountForm(forms.Form):
    """A login for a secretary: a user name and an initial password staff hand over."""

    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Give it to the secretary; they can change it after signing in."),
    )

    def __init__(self, *args, secretary: Secretary, **kwargs):
        super().__init__(*args, **kwargs)
        self.secretary = secretary

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(
                gettext("The user name “%(name)s” is taken; choose another.") % {"name": username}
            )
        return username

    def clean(self):
        data = super().clean()
        if data.get("password"):
            username = data.get("username") or self.data.get("username", "")
            user = get_user_model()(username=username, first_name=self.secretary.name)
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data

    @transaction.atomic
    def save(self):
        user = get_user_model().objects.create_user(
            username=self.cleaned_data["username"],
            password=self.cleaned_data["password"],
            first_name=self.secretary.name,
        )
        self.secretary.user = user
        self.secretary.save(update_fields=["user"])
        return user


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["author", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "text": _("Type it while the leader speaks or paste the prepared outline."),
        }


class OwnCommentForm(forms.ModelForm):
    """A commenting leader's own comment: the author is their link's name."""

    class Meta:
        model = Comment
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["asker", "question", "answer"]
        widgets = {"question": forms.Textarea(attrs={"rows": 2}), "answer": TEXTAREA()}


class CommenterLinkForm(forms.Form):
    name = forms.CharField(label=_("Commenting leader"), max_length=100)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        active = CommenterLink.objects.filter(meeting=self.meeting, revoked_at__isnull=True)
        if active.filter(name=name).exists():
            # Comments belong to a link by its name: two live links must not share one.
            raise forms.ValidationError(
                gettext("%(name)s already has a link; revoke it first to issue a new one.")
                % {"name": name}
            )
        return name


class ProblemRowForm(forms.Form):
    text = forms.CharField(
        label=_("Problem"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    merge = forms.BooleanField(label=_("Merge into the row above"), required=False)
    drop = forms.BooleanField(label=_("Drop"), required=False)


ProblemRowFormSet = forms.formset_factory(ProblemRowForm, extra=1, max_num=100)


def merged_rows(formset) -> list[str]:
    """The rows kept, in order: dropped and empty rows left out, marked rows merged upward."""
    rows: list[str] = []
    for form in formset.forms:
        data = form.cleaned_data
        text = " ".join((data.get("text") or "").split())
        if data.get("drop") or not text:
            continue
        if data.get("merge") and rows:
            rows[-1] = f"{rows[-1].rstrip('；;。.')}；{text}"
        else:
            rows.append(text)
    return rows


class OpinionChoiceForm(forms.Form):
    """Evaluators' opinions on one reporter, ticked to become rectification items."""

    opinions = forms.MultipleChoiceField(
        label=_("Opinions"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opinions"].choices = choices

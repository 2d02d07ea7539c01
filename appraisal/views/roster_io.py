"""The roster as Excel: the import page, the template download and the export."""

import re
from io import BytesIO

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from appraisal.permissions import committee_for_new_objects, staff_required
from appraisal.roster_io import (
    XLSX_CONTENT_TYPE,
    RosterUploadForm,
    export_workbook,
    import_roster,
    template_workbook,
    workbook_bytes,
)
from appraisal.signals import roster_imported

# Characters that Windows does not allow in a file name.
UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')


def xlsx_response(workbook, filename: str) -> FileResponse:
    """The workbook as a download; Django writes the RFC 5987 filename* for Chinese names."""
    return FileResponse(
        BytesIO(workbook_bytes(workbook)),
        as_attachment=True,
        filename=UNSAFE_IN_FILENAME.sub("_", filename),
        content_type=XLSX_CONTENT_TYPE,
    )


@staff_required
def roster_import(request):
    """Upload a roster workbook: every row is checked, then all are stored or none."""
    committee = committee_for_new_objects(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the audit row is stored with the roster or not at all
            result = import_roster(form.cleaned_data["file"], committee, timezone.localdate())
            if not result.errors:
                roster_imported.send(
                    sender=None, committee=committee, by=request.user, summary=result.summary()
                )
        if not result.errors:
            messages.success(request, result.summary())
            return redirect("org_list")
        errors = result.errors
    return render(
        request,
        "appraisal/roster_import.html",
        {"form": form, "errors": errors, "committee": committee},
    )


@staff_required
def roster_template(request):
    return xlsx_response(template_workbook(), "名册导入模板.xlsx")


@staff_required
def roster_export(request):
    """All organizations of the user's own committee, in the format the import accepts."""
    committee = committee_for_new_objects(request.user)
    today = timezone.localdate()
    filename = f"名册-{committee.name}-{today:%Y%m%d}.xlsx"
    return xlsx_response(export_workbook(committee, today), filename)

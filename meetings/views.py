from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


meeting_list = meeting_create = meeting_detail = meeting_edit = reporter_add = _missing
reporter_daily = reporter_move = reporter_remove = meeting_advance = _missing
meeting_results_view = meeting_export_json = _missing

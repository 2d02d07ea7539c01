"""Placeholder while this module is being written; replaced in full by its author."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


roster_import = roster_template = roster_export = _missing
scheme_list = scheme_create = scheme_detail = scheme_edit = scheme_copy = _missing

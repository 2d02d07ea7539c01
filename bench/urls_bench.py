"""The project's URLs plus `bench/bare`: the cheapest view Django can serve, for comparison."""

from django.http import HttpResponse
from django.urls import path

from appraisal.urls import urlpatterns as app_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]

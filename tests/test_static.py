"""Pages render and their static files are served whether or not collectstatic has run."""

import pytest
from django.test import override_settings
from django.urls import reverse

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "appraisal.storage.StaticStorage"},
}


@pytest.mark.django_db
def test_a_page_renders_with_the_production_storage_before_collectstatic(client, tmp_path):
    with override_settings(STORAGES=PRODUCTION_STORAGES, STATIC_ROOT=tmp_path):
        response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "vendor/bootstrap-5.3.9/css/bootstrap.min.css" in response.content.decode()


@pytest.mark.django_db
def test_collected_pages_use_hashed_names(client, tmp_path):
    from django.core.management import call_command

    with override_settings(STORAGES=PRODUCTION_STORAGES, STATIC_ROOT=tmp_path):
        call_command("collectstatic", "--noinput", verbosity=0)
        html = client.get(reverse("login")).content.decode()
    assert "vendor/bootstrap-5.3.9/css/bootstrap.min." in html
    assert "vendor/bootstrap-5.3.9/css/bootstrap.min.css" not in html

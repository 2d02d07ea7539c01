"""Helpers shared by the browser tests."""

from django.urls import reverse

from tests.factories import PASSWORD


def sign_in(page, live_server, username: str) -> None:
    """Sign in through the login page, as a person would, and wait until it lets us in."""
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

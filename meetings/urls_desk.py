"""URLs of one part of the live hall; its author fills them in."""

urlpatterns: list = []

"""The seats page, seat links and QR cards (staff, under /meetings/)."""

from django.urls import path

from meetings import views_seats as views

urlpatterns = [
    path("<int:pk>/seats/", views.seat_list, name="seat_list"),
    path("<int:pk>/seats/new/", views.seat_create, name="seat_create"),
    path("<int:pk>/seats/links/", views.seat_links, name="seat_links"),
    path("<int:pk>/seats/cards.pdf", views.seat_cards, name="seat_cards"),
    path("<int:pk>/seats/<int:seat_pk>/revoke/", views.seat_revoke, name="seat_revoke"),
    path("<int:pk>/seats/<int:seat_pk>/remove/", views.seat_remove, name="seat_remove"),
]

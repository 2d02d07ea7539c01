"""The rectification list: staff pages under /meetings/items/ and /meetings/<pk>/items/, the
secretary's own items under /meetings/my/items/."""

from django.urls import path

from meetings import views_items as items

ITEM = "items/<int:item_pk>/"
MY_ITEM = "my/items/<int:item_pk>/"

urlpatterns = [
    path("items/", items.item_dashboard, name="item_dashboard"),
    path("items/new/", items.item_create, name="item_create"),
    path("items/excel/", items.items_excel, name="items_excel"),
    path("items/excel/template.xlsx", items.items_excel_template, name="items_excel_template"),
    path(ITEM, items.item_detail, name="item_detail"),
    path(ITEM + "edit/", items.item_edit, name="item_edit"),
    path(ITEM + "progress/", items.item_progress, name="item_progress"),
    path(ITEM + "done/", items.item_done, name="item_done"),
    path(ITEM + "close/", items.item_close, name="item_close"),
    path(ITEM + "send-back/", items.item_send_back, name="item_send_back"),
    path(ITEM + "link/", items.item_link, name="item_link"),
    path(ITEM + "progress/<int:progress_pk>/file/", items.item_evidence, name="item_evidence"),
    path("<int:pk>/items/", items.meeting_items, name="meeting_items"),
    path("my/items/", items.my_items, name="my_items"),
    path("my/items/excel/", items.my_items_excel, name="my_items_excel"),
    path(
        "my/items/excel/template.xlsx",
        items.my_items_excel_template,
        name="my_items_excel_template",
    ),
    path(MY_ITEM, items.my_item, name="my_item"),
    path(MY_ITEM + "progress/", items.my_item_progress, name="my_item_progress"),
    path(MY_ITEM + "done/", items.my_item_done, name="my_item_done"),
    path(
        MY_ITEM + "progress/<int:progress_pk>/file/",
        items.my_item_evidence,
        name="my_item_evidence",
    ),
]

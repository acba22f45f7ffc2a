from django.urls import path

from steward.access import views

app_name = "access"

urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/waiting/", views.waiting, name="waiting"),
    path("requests/new/", views.request_create, name="create"),
    path("requests/<int:pk>/", views.request_detail, name="detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="edit"),
    path("requests/<int:pk>/autosave/", views.request_autosave, name="autosave"),
    path("requests/<int:pk>/elements/", views.element_add, name="element_add"),
    path(
        "requests/<int:pk>/elements/<int:item_id>/remove/",
        views.element_remove,
        name="element_remove",
    ),
    path("requests/<int:pk>/personnel/", views.person_add, name="person_add"),
    path(
        "requests/<int:pk>/personnel/<int:person_id>/remove/",
        views.person_remove,
        name="person_remove",
    ),
    path("requests/<int:pk>/submit/", views.request_submit, name="submit"),
    path("requests/<int:pk>/irb-letter/", views.irb_letter, name="irb_letter"),
    path("requests/<int:pk>/screen/", views.screen, name="screen"),
    path("requests/<int:pk>/signoff/", views.signoff, name="signoff"),
    path("requests/<int:pk>/review/", views.review, name="review"),
    path("requests/<int:pk>/decide/", views.decide, name="decide"),
    path("training/", views.training, name="training"),
    path("committee/", views.committee, name="committee"),
    path("transparency/", views.transparency, name="transparency"),
    path("transparency/denials/", views.denials, name="denials"),
    path("transparency/denials/<int:report_id>/", views.denial, name="denial"),
]

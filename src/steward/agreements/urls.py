from django.urls import path

from steward.agreements import views

app_name = "agreements"

urlpatterns = [
    path("agreements/", views.agreement_list, name="list"),
    path("agreements/closeouts/", views.closeouts, name="closeouts"),
    path("agreements/template/", views.template_edit, name="template"),
    path("requests/<int:pk>/agreement/", views.agreement_draft, name="draft"),
    path("agreements/<int:pk>/", views.agreement_detail, name="detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="edit"),
    path("agreements/<int:pk>/send/", views.agreement_send, name="send"),
    path("agreements/<int:pk>/amend/", views.agreement_amend, name="amend"),
    path("agreements/<int:pk>/closeout/", views.agreement_certify, name="certify"),
    path("agreements/<int:pk>/v<int:number>/", views.version_text, name="text"),
    path("agreements/<int:pk>/v<int:number>/pdf/", views.version_pdf, name="pdf"),
    path("agreements/<int:pk>/v<int:number>/sign/", views.version_sign, name="sign"),
    path("agreements/<int:pk>/v<int:number>/accept/", views.version_accept, name="accept"),
    path("agreements/<int:pk>/v<int:number>/approve/", views.amendment_approve, name="approve"),
    path("agreements/<int:pk>/v<int:number>/vote/", views.amendment_vote, name="vote"),
    path("transparency/agreements/", views.register, name="register"),
]

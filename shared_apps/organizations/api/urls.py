from django.urls import path

from .views import MemberDetailView, MemberListView, OrganizationDetailView, OrganizationListView

urlpatterns = [
    path("", OrganizationListView.as_view(), name="organization-list"),
    path("<slug:slug>/", OrganizationDetailView.as_view(), name="organization-detail"),
    path("<slug:slug>/members/", MemberListView.as_view(), name="organization-members"),
    path("<slug:slug>/members/<int:user_id>/", MemberDetailView.as_view(), name="organization-member"),
]

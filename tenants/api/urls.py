from django.urls import path

from . import views

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="project-list"),
    path("<slug:slug>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("<slug:slug>/suspend/", views.ProjectSuspendView.as_view(), name="project-suspend"),
    path("<slug:slug>/resume/", views.ProjectResumeView.as_view(), name="project-resume"),
    path("<slug:slug>/members/", views.ProjectMemberListView.as_view(), name="project-members"),
    path("<slug:slug>/members/<int:user_id>/", views.ProjectMemberDetailView.as_view(), name="project-member"),
    path("<slug:slug>/api-keys/", views.ApiKeyListView.as_view(), name="project-api-keys"),
    path("<slug:slug>/api-keys/<int:key_id>/", views.ApiKeyDetailView.as_view(), name="project-api-key"),
]

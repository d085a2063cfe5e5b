"""Test-only project URLconf: a view that reads a same-named table from whatever schema the request routed to."""

from django.db import connection
from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.permissions import ProjectPermission


class NotesProbe(APIView):
    permission_classes = [ProjectPermission]

    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT label FROM notes ORDER BY label")
            labels = [row[0] for row in cursor.fetchall()]
        return Response({"labels": labels})


urlpatterns = [
    path("probe/notes/", NotesProbe.as_view()),
    path("", include("nocode.urls_tenants")),
]

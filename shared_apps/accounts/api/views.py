from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken

from shared_apps.foundation.api.inputs import validated

from ..services import user_register
from .serializers import RegisterInput, UserOutput


class RegisterView(APIView):
    """Create an account and return it with a fresh token pair."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        user = user_register(**validated(RegisterInput, request.data))
        refresh = RefreshToken.for_user(user)
        body = {"user": UserOutput(user).data, "access": str(refresh.access_token), "refresh": str(refresh)}
        return Response(body, status=status.HTTP_201_CREATED)

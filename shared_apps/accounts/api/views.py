from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from shared_apps.foundation.api.schemas import error_response

from ..services import user_register
from .schemas import (
    AuthAccessSerializer,
    AuthLoginInputSerializer,
    AuthRefreshInputSerializer,
    AuthRegisteredSerializer,
    AuthTokenPairSerializer,
)
from .serializers import RegisterInput, UserOutput


class RegisterView(APIView):
    """Create an account and return it with a fresh token pair."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Create an account",
        request=RegisterInput,
        responses={201: AuthRegisteredSerializer, 409: error_response("The e-mail address is taken")},
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        refresh = RefreshToken.for_user(user)
        body = {"user": UserOutput(user).data, "access": str(refresh.access_token), "refresh": str(refresh)}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    """E-mail and password in, a JWT pair out (simplejwt's view, documented)."""

    @extend_schema(
        summary="Sign in: a JWT pair",
        request=AuthLoginInputSerializer,
        responses={
            200: AuthTokenPairSerializer,
            401: error_response("Wrong e-mail or password (AUTHENTICATION_FAILED)"),
        },
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    """A refresh token in, a new access token out (simplejwt's view, documented)."""

    @extend_schema(
        summary="A new access token",
        request=AuthRefreshInputSerializer,
        responses={200: AuthAccessSerializer, 401: error_response("The refresh token is invalid or expired")},
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)

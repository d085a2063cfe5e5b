from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from shared_apps.foundation.api.inputs import validated
from shared_apps.foundation.api.schemas import error_response
from shared_apps.foundation.clients import client_address

from ..services import user_register
from ..throttling import login_failed, login_refusal, registration_attempt
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
        responses={
            201: AuthRegisteredSerializer,
            409: error_response("The e-mail address is taken"),
            429: error_response("Too many registrations from this address (RATE_LIMITED)"),
        },
    )
    def post(self, request: Request) -> Response:
        attempt = registration_attempt(address=client_address(request))
        if not attempt.allowed:
            raise Throttled(wait=attempt.retry_after, detail="Too many registrations from this address.")
        user = user_register(**validated(RegisterInput, request.data))
        refresh = RefreshToken.for_user(user)
        body = {"user": UserOutput(user).data, "access": str(refresh.access_token), "refresh": str(refresh)}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    """E-mail and password in, a JWT pair out (simplejwt's view, documented); failed logins are limited per account
    and per client address (accounts.throttling): 429 with Retry-After once either limit is reached."""

    @extend_schema(
        summary="Sign in: a JWT pair",
        request=AuthLoginInputSerializer,
        responses={
            200: AuthTokenPairSerializer,
            401: error_response("Wrong e-mail or password (AUTHENTICATION_FAILED)"),
            429: error_response("Too many failed logins for this account or address (RATE_LIMITED)"),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        email = email if isinstance(email, str) else None
        address = client_address(request)
        refusal = login_refusal(email=email, address=address)
        if refusal is not None:
            raise Throttled(wait=refusal.retry_after, detail="Too many failed logins; try again later.")
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            login_failed(email=email, address=address)
            raise


class RefreshView(TokenRefreshView):
    """A refresh token in, a new access token out (simplejwt's view, documented)."""

    @extend_schema(
        summary="A new access token",
        request=AuthRefreshInputSerializer,
        responses={200: AuthAccessSerializer, 401: error_response("The refresh token is invalid or expired")},
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)

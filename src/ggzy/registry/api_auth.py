"""How API callers authenticate: a bearer token (`Authorization: Bearer ggzy_...`, from POST
/api/auth/token) or the web session (with CSRF). Each package's router names one of these lists; it lives
here, below the packages, so that no router imports the API assembly (`ggzy.api`) it is mounted on."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from ggzy.registry.auth import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_token(token)


class SignedInSession(SessionAuth):
    """The web session, with CSRF checked only for a signed-in session: a token client or an anonymous
    caller (registration, reports) never needs a CSRF cookie, and an expired token is a 401, not a CSRF
    refusal (a cross-site request carries the session cookie, so it is still checked)."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


session_auth = SignedInSession(csrf=True)


def anonymous(request: HttpRequest) -> Any:
    """Lets public endpoints through without credentials; the actor is then the public."""
    return AnonymousUser()


SIGNED_IN = [TokenAuth(), session_auth]
ANYONE = [TokenAuth(), session_auth, anonymous]  # endpoints open to the public; the actions decide the rest

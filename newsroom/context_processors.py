from django.http import HttpRequest

from .roles import role_of


def roles(request: HttpRequest) -> dict[str, object]:
    """Expose the current user's role to every template (navigation shows admin links)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": None, "user_is_admin": False}
    role = role_of(user)
    return {"user_role": role, "user_is_admin": role == "admin"}

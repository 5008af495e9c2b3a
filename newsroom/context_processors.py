from django.http import HttpRequest

from .roles import ADMIN, role_of


def roles(request: HttpRequest) -> dict[str, object]:
    """Expose the current user's role to every template (navigation shows admin links).

    Callables, which templates call on use: an htmx fragment that shows no navigation
    then costs no query for the role.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": None, "user_is_admin": False}
    return {"user_role": lambda: role_of(user), "user_is_admin": lambda: role_of(user) == ADMIN}

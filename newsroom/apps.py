from django.apps import AppConfig
from django.db.backends.signals import connection_created

from newsroom import folding


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Article store"

    def ready(self) -> None:
        # What retires cached roles and permissions (newsroom.roles, "access stamp"):
        # imported here, once the models are loaded, as Django's signal guide does.
        from newsroom import roles

        roles.connect(self)

        # The login throttle's reset on success: imported here, once the models (axes') are
        # loaded, as Django's signal guide does.
        from newsroom import throttle

        throttle.connect()

        # SQLite's accent-insensitive search function, on every connection it opens.
        connection_created.connect(folding.register, dispatch_uid="newsroom.folding")

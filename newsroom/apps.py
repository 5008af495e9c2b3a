from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Article store"

    def ready(self) -> None:
        # What retires cached roles and permissions (newsroom.roles, "access stamp"):
        # imported here, once the models are loaded, as Django's signal guide does.
        from newsroom import roles

        roles.connect(self)

from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Article store"

    def ready(self) -> None:
        # The login throttle's reset on success: imported here, once the models (axes') are
        # loaded, as Django's signal guide does.
        from newsroom import throttle

        throttle.connect()

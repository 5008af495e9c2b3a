from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = "Named entities"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the model check)

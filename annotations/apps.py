from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Sourcing annotations"

    def ready(self) -> None:
        # The reactions to what lower layers announce (docs/architecture.md, "Events"):
        # imported here, once the models are loaded, as Django's signal guide does.
        from annotations import reactions

        reactions.connect()

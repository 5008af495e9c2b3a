"""PostgreSQL's full-text index for article search, and the editor and admin roles."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

SEARCH_INDEX = "article_search_gin"


def search_index():
    # Built from the same expression the queries used then, so PostgreSQL could match them:
    # written out here, as newsroom.models.search_vector() was, since that has changed
    # (migration 0013: another configuration, which does not exist yet at this point).
    document = SearchVector("title", weight="A", config="english") + SearchVector(
        "text", weight="B", config="english"
    )
    return GinIndex(document, name=SEARCH_INDEX)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("newsroom", "Article"), search_index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("newsroom", "Article"), search_index())


def create_roles(apps, schema_editor):
    from newsroom.roles import sync_roles_migration

    sync_roles_migration(apps, schema_editor)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["editor", "admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(add_search_index, remove_search_index),
        migrations.RunPython(create_roles, remove_roles),
    ]

"""Give the editor and admin roles their permissions on entity mentions."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from newsroom.roles import sync_roles_migration

    sync_roles_migration(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0001_initial"),
        ("newsroom", "0003_article_analysed_at_article_analysis_error_and_more"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]

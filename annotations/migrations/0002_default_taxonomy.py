"""Seed the default sourcing taxonomy and give the roles their annotation permissions."""

from django.db import migrations


def seed_labels(apps, schema_editor):
    from annotations.taxonomy import DEFAULT_LABELS

    Label = apps.get_model("annotations", "Label")
    for order, fields in enumerate(DEFAULT_LABELS):
        if fields["kind"] not in ("source", "cue", "marker"):
            continue  # the "content" kind comes with migration 0008, which seeds its labels
        Label.objects.update_or_create(slug=fields["slug"], defaults={**fields, "order": order})


def sync_roles(apps, schema_editor):
    from newsroom.roles import sync_roles_migration

    sync_roles_migration(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("entities", "0002_role_permissions"),
    ]

    operations = [
        migrations.RunPython(seed_labels, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]

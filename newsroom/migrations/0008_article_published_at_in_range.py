"""Publication dates every layer can read: clear the ones outside the range (a page could not
read them: they took the site down), then hold the range with a constraint."""

from datetime import UTC, datetime

from django.db import migrations, models

MOMENT_MIN = datetime(1, 1, 2, tzinfo=UTC)
MOMENT_MAX = datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC)


def clear_unreadable_dates(apps, schema_editor):
    # Compared in the database: such a row cannot even be loaded into Python.
    Article = apps.get_model("newsroom", "Article")
    Article.objects.filter(
        models.Q(published_at__lt=MOMENT_MIN) | models.Q(published_at__gt=MOMENT_MAX)
    ).update(published_at=None)


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0007_access_stamp_replaces_user_session")]

    operations = [
        migrations.RunPython(clear_unreadable_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | models.Q(published_at__gte=MOMENT_MIN, published_at__lte=MOMENT_MAX),
                name="article_published_at_in_range",
            ),
        ),
    ]

"""`short_date` prints what `date:"j M Y"` prints, in the current time zone."""

from datetime import UTC, date, datetime

import pytest
from django.template import engines
from django.test import override_settings

DAYS = [
    datetime(2024, 1, 1, 0, 30, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, tzinfo=UTC),  # another day in Tokyo
    datetime(1999, 12, 31, 12, 0, tzinfo=UTC),
    *(datetime(2025, month, 9, 8, 0, tzinfo=UTC) for month in range(1, 13)),
    date(2023, 5, 7),
]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
def test_short_date_matches_the_date_filter(zone):
    template = engines["django"].from_string(
        '{% load dates %}{% for d in days %}{{ d|short_date }}|{{ d|date:"j M Y" }};{% endfor %}'
    )
    with override_settings(TIME_ZONE=zone):
        pairs = [cell.split("|") for cell in template.render({"days": DAYS}).split(";")[:-1]]
    assert len(pairs) == len(DAYS)
    assert all(ours == django for ours, django in pairs), pairs


def test_short_date_prints_nothing_for_no_date():
    template = engines["django"].from_string('{% load dates %}[{{ d|short_date|default:"—" }}]')
    assert template.render({"d": None}) == "[—]"
    assert template.render({"d": "not a date"}) == "[—]"

"""`{{ score|score_band }}`: the band (good, fair, poor) a page colours a score with."""

from __future__ import annotations

from django import template

from annotations import quality

register = template.Library()


@register.filter
def score_band(score: float | None) -> str:
    """The score's band, by the thresholds in annotations.quality (one place for them)."""
    return quality.score_band(score)

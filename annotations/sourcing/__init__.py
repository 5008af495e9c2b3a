"""Rule-based sourcing suggestions from spaCy's parse (no Django here: it runs in the analysis)."""

from annotations.sourcing.detector import (
    LABELS,
    REQUIRED_COMPONENTS,
    SourcingDetector,
    Suggestion,
)

__all__ = ["LABELS", "REQUIRED_COMPONENTS", "SourcingDetector", "Suggestion"]

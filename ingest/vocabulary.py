"""Words of the calendar that reading, keyword search and number matching all need: one copy.

English month names, in order; their three-letter abbreviations (with "sept"), which end no
sentence after their full stop ("Jan. 5") and which keyword search folds the full names into.
"""

from __future__ import annotations

MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july", "august",
                           "september", "october", "november", "december")
# "May" is already as short as it gets (and "may." ends a sentence), so it has no abbreviation.
MONTH_ABBREVIATIONS: dict[str, str] = {
    **{month[:3]: month for month in MONTHS if len(month) > 3}, "sept": "september"}

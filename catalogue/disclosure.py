"""The one rule for publishing a figure about properties: the per-zone tax summary of the catalogue
and the open data (catalogue/selectors.py) and the national package (catalogue/national.py) apply it.

A figure is published only when it comes from no property or from at least `MIN_CELL` of them:
- a count of parcels (signboards) is a figure of those parcels: a zone or block of fewer than 5
  parcels publishes nothing at all;
- a money figure comes from the parcels with a non-zero amount in it: tax assessed from the parcels
  taxed, collected from those that paid, arrears from those overdue, values from those valued. A
  zone of forty parcels where one is overdue has that one taxpayer's debt as its arrears: suppressed.
A zero from no property says nothing about any one of them and is published.
This is the threshold (minimum frequency) rule of statistical disclosure control, applied to each
figure with the count of the properties it actually sums.
"""

MIN_CELL = 5


def publishable(contributors):
    """Whether a figure coming from `contributors` properties may be published (a number, or a pandas Series)."""
    return (contributors == 0) | (contributors >= MIN_CELL)


def published_sql(value: str, contributors: str) -> str:
    """The same rule in SQL: `value`, or NULL when it comes from 1 to MIN_CELL - 1 properties."""
    return f"CASE WHEN {contributors} = 0 OR {contributors} >= {MIN_CELL} THEN {value} END"

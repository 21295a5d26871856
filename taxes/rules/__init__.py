"""The tax rules as pure functions on plain facts: `Decimal` throughout, no ORM, no geometry.

`land_building` and `signboard` compute a year's tax with a line-by-line breakdown (the ภ.ด.ส.7
sheet); `collection` computes instalments, penalties and surcharges as of a payment date.
Parameters are read once per tax year (and municipality) from `taxes.parameters`, and every
value read is recorded with its legal reference, so an assessment can say where each baht came from.
"""

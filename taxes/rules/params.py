"""Parameters of one tax year (and municipality), read once and remembered with their references."""

import datetime

from taxes.parameters import ParameterTree, default_tree


class YearParameters:
    """Reads parameters as of 1 January of a tax year (LBTA s.9: the situation on 1 January),
    applying the municipality's ordinance, and records every value it read in `used`."""

    def __init__(
        self,
        tax_year: int,
        municipality: str | None = None,
        *,
        tree: ParameterTree | None = None,
        overrides: dict | None = None,
    ):
        self.tax_year = tax_year
        self.on = datetime.date(tax_year, 1, 1)
        self.municipality = municipality
        self.tree = tree or default_tree()
        self.overrides = overrides or {}
        self.used: dict[str, dict] = {}

    def __call__(self, path: str):
        if path in self.overrides:
            self.used[path] = {"value": self.overrides[path], "reference": "override (reform)", "source": "override"}
            return self.overrides[path]
        entry = self.tree.lookup(path, on=self.on, municipality=self.municipality)
        self.used[path] = entry.as_record()
        return entry.value

    def optional(self, path: str):
        """A parameter that may have ended (`value: null`): None instead of an error."""
        from taxes.parameters import ParameterError

        try:
            return self(path)
        except ParameterError:
            self.used[path] = {"value": None, "reference": "not in force", "source": "national"}
            return None

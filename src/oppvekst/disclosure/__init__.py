"""Disclosure control: primary and secondary suppression, series and coverage rules, the attack check.

- `Rules`, `primary(table, rules)`: the small-number, complement and denominator rules
- `suppress(table, rules)`: the whole table at once (Gaussian elimination over every relation,
  after SSB's GaussSuppression), with a proof that no protected cell can be pinned
- `check_table(table)`: the attack check anyone can run on a published table (linear programming)
- `publication`: which releases need control, their stored suppression, and masking on the way out
"""

from oppvekst.disclosure.check import CheckResult, check_table, read_table
from oppvekst.disclosure.control import Suppression, mask, suppress
from oppvekst.disclosure.primary import Rules, primary

__all__ = ["CheckResult", "Rules", "Suppression", "check_table", "mask", "primary", "read_table", "suppress"]

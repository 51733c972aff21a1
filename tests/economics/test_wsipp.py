"""WSIPP's published identities: benefits − costs = net, benefits / costs = ratio, and the benefit lines add
up to the total. Figures are per participant from WSIPP's benefit-cost results pages (www.wsipp.wa.gov
/BenefitCost/Program/<id>), as stored; the date is the page's "benefit-cost estimates/methods updated" line.
Costs are shown by WSIPP as negatives in parentheses; here as positive costs."""

import pytest

from oppvekst.economics.model import _ratio

PROGRAMMES = [
    # name, WSIPP page, results date, base year, (taxpayers, participants, others, indirect),
    # total benefits, net program cost, benefits minus costs, published ratio
    ("Functional Family Therapy (youth on probation)", "BenefitCost/Program/32", "May 2017", 2016,
     (8017, 1507, 19378, 1890), 30792, 3470, 27322, 8.87),
    ("Functional Family Therapy (FFT) for youth in state institutions", "BenefitCost/Program/40",
     "December 2018", 2017, (8399, 791, 28159, 2208), 39557, 3530, 36027, 11.21),
    ("Functional Family Therapy (FFT) for adolescents with substance use disorder", "BenefitCost/Program/663",
     "December 2024", 2023, (35, 117, 56, -1709), -1501, 4231, -5732, -0.35),
]


@pytest.mark.parametrize("name, page, date, base_year, lines, benefits, cost, net, ratio", PROGRAMMES,
                         ids=[p[1] for p in PROGRAMMES])
def test_wsipp_identities(name, page, date, base_year, lines, benefits, cost, net, ratio):
    assert sum(lines) == benefits
    assert benefits - cost == net
    computed, note = _ratio(benefits, cost)
    assert note is None
    assert round(computed, 2) == ratio  # incl. the negative ratio WSIPP reports as ($0.35)

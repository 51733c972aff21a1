"""NEET 15–29 from SSB 13556, end to end: published counts, national shares, Wilson intervals, 2024 codes."""

import pytest
from statsmodels.stats.proportion import proportion_confint

from oppvekst import regions
from oppvekst.indicators import neet
from oppvekst.sources import catalogue as bundled


def one(wh, region, year, sex="all", age="15-29"):
    df = wh.observations(indicator="neet_15_29", regions=[region], year=year, sex=sex, age=age)
    assert len(df) == 1, df
    return df.iloc[0]


def test_oslo_2024_is_the_published_count(built):
    o = one(built, "0301", 2024)
    assert (o.numerator, o.denominator) == (16109, 159078)
    low, high = proportion_confint(16109, 159078, alpha=0.05, method="wilson")
    assert o.value == pytest.approx(100 * 16109 / 159078)
    assert (o.ci_low, o.ci_high) == (pytest.approx(100 * low), pytest.approx(100 * high))


@pytest.mark.parametrize("year, share", [(2024, 10.0), (2023, 9.9), (2019, 10.5)])
def test_national_share_as_published(built, year, share):
    # SSB 13556: 104,388 of 1,044,103 in 2024 = 10.0 %; 10.5 % in 2019, 9.9 % in 2023 (data/SOURCES.md).
    assert round(one(built, "0", year).value, 1) == share


def test_national_2024_counts(built):
    o = one(built, "0", 2024)
    assert (o.numerator, o.denominator) == (104388, 1044103)


def test_porsgrunn_2024(built):
    o = one(built, "4001", 2024)  # Porsgrunn: 698 / 6,430 = 10.86 % (SOURCES.md, Telemark check)
    assert (o.numerator, o.denominator) == (698, 6430)


def test_every_2024_municipality_every_year(built):
    kommuner = set(regions.regions_2024().query("level == 'kommune'")["code"])
    df = built.query("""SELECT period_from, count(DISTINCT region) AS n FROM current_observations
                        WHERE indicator = 'neet_15_29' AND sex = 'all' AND age = '15-29' AND length(region) = 4
                        GROUP BY 1 ORDER BY 1""")
    assert df["period_from"].tolist() == list(range(2008, 2025))
    assert set(df["n"]) == {len(kommuner)} == {357}


def test_old_codes_are_carried_onto_2024_codes(built):
    # 2017 Trondheim (1601) and Klæbu (1662) became 5001 Trondheim in 2020: their 2017 counts are summed.
    raw = neet.read_13556()
    r17 = raw[(raw.year == 2017) & (raw.sex == "all") & (raw.age == "15-29") & raw.region.isin(["1601", "1662"])]
    assert len(r17) == 2
    o = one(built, "5001", 2017)
    assert (o.numerator, o.denominator) == (r17.numerator.sum(), r17.denominator.sum())


def test_county_is_the_sum_of_its_municipalities(built):
    df = built.query("""SELECT sum(numerator) AS x, sum(denominator) AS n FROM current_observations
                        WHERE indicator = 'neet_15_29' AND period_from = 2024 AND sex = 'all' AND age = '15-29'
                          AND region LIKE '40__'""")
    o = one(built, "40", 2024)
    assert (o.numerator, o.denominator) == (df.x.iloc[0], df.n.iloc[0])


def test_age_15_19_is_derived_from_the_published_bands(built):
    parts = {age: one(built, "0301", 2024, age=age) for age in ("15-29", "20-24", "25-29", "15-19")}
    assert parts["15-19"].denominator == (parts["15-29"].denominator - parts["20-24"].denominator
                                          - parts["25-29"].denominator)
    assert parts["15-19"].numerator == 16109 - 5429 - 8491  # Oslo 2024 bands from SSB 13556


def test_sexes_add_up(built):
    f, m, a = (one(built, "0", 2024, sex=s) for s in ("female", "male", "all"))
    assert f.denominator + m.denominator == a.denominator


def test_population_of_oslo_districts_and_the_country(built):
    def persons(indicator, region, year=2024):
        df = built.observations(indicator=indicator, regions=[region], year=year)
        return df["value"].iloc[0]

    # SSB 10826 (2024): Gamle Oslo is coded '030101a' in the export; 0-17 summed from single years.
    assert persons("population_0_17", "030101") > 0
    assert persons("population_0_17", "0") == 1112853   # data/SOURCES.md: children 0-17 in 2024
    # Oslo's 17 districts plus its 'unknown district' (030199a) hold all of Oslo's children.
    raw = bundled.load("ssb_10826_2024")  # sources.statbank.read_population
    unknown = raw[(raw.region == "030199a") & (raw.age <= 17)]["persons"].sum()
    districts = built.query("""SELECT sum(value) AS v FROM current_observations WHERE indicator = 'population_0_17'
                               AND period_from = 2024 AND region LIKE '0301__'""")["v"].iloc[0]
    assert districts + unknown == persons("population_0_17", "0301")


def test_a_missing_municipality_makes_its_county_missing_not_smaller(built):
    # SSB 13556 has no NEET count for Aremark (3012), men 25-29, 2020 (removed upstream: zero or suppressed).
    aremark = one(built, "3124", 2020, sex="male", age="25-29")  # Aremark on 2024 codes
    assert aremark.flag == 1 and aremark.numerator != aremark.numerator and aremark.denominator == 40
    county = one(built, "31", 2020, sex="male", age="25-29")
    assert county.flag == 1 and county.numerator != county.numerator  # NaN, not the sum of the others
    assert county.denominator > 40

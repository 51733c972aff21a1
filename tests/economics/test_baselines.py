"""Local baselines from the bundled warehouse: Bergen (4601), NEET 15–29, 2024 is 5 909 of 63 315
(SSB 13556), read through the public door; a suppressed or missing cell is refused, never guessed."""

import json

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from oppvekst.disclosure.door import open_statistics
from oppvekst.economics import baselines, build_scenario, run
from oppvekst.errors import InputError

BERGEN = {"indicator": "neet_15_29", "region": "4601"}


@pytest.fixture
def home(bundled_warehouse_path, monkeypatch):
    """The shared bundled warehouse (read only); the content database stays in the test's own home."""
    from oppvekst.web import deps

    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    deps._shared.cache_clear()
    return bundled_warehouse_path


@pytest.fixture
def reader(home):
    with open_statistics() as r:
        yield r


LOCAL_EFFECT = {"measure": "rd", "estimate": -0.02, "se": 0.005, "effect_on": "costly", "source": "test fixture"}


def local_dict(scenario_dict: dict) -> dict:
    scenario_dict["effect"] = dict(LOCAL_EFFECT)   # the hand case's −0.2 is impossible at Bergen's 9.3 %
    scenario_dict["target_group"] = {"from_warehouse": BERGEN}
    scenario_dict["baseline"] = {"from_warehouse": BERGEN}
    return scenario_dict


def test_bergen_neet_2024(reader):
    lb = baselines.local_baseline(reader, "neet_15_29", "4601")
    assert (lb.year, lb.numerator, lb.denominator) == (2024, 5909, 63315)
    assert lb.rate == pytest.approx(5909 / 63315, rel=1e-12)
    assert lb.source == "SSB 13556, 2024" and "neet_15_29" in reader.release(lb.release).indicators
    assert lb.region_name == "Bergen"


def test_fill_puts_the_figures_and_their_source_in_the_scenario(reader, scenario_dict):
    data, used = baselines.fill(local_dict(scenario_dict), reader)
    assert len(used) == 2
    sc = build_scenario(data)
    assert sc.size == 63315 and sc.effect.baseline_costly == pytest.approx(5909 / 63315)
    figs = {f["name"]: f for f in sc.figures}
    for name in ("target group size", "baseline probability of the costly outcome"):
        assert figs[name]["source"] == "SSB 13556, 2024"
        assert figs[name]["edition"] == f"release {used[0].release}" and "5909" in figs[name]["note"]
    assert run(sc).npv["total"] != 0


def test_explicit_values_still_work_and_region_overrides(reader, scenario_dict):
    data, used = baselines.fill(scenario_dict, reader)          # nothing from the warehouse
    assert used == [] and data == scenario_dict
    scenario_dict["effect"] = dict(LOCAL_EFFECT)
    data, used = baselines.fill(scenario_dict, reader, region="4601", indicator="neet_15_29")
    assert build_scenario(data).size == 63315
    with pytest.raises(InputError) as exc:
        baselines.fill(scenario_dict, reader, region="4601")    # a region with nothing to fill
    assert exc.value.field == "region"


def test_missing_or_suppressed_tells_the_user_to_enter_it(reader, scenario_dict):
    with pytest.raises(InputError) as exc:
        baselines.fill(local_dict(scenario_dict), reader, region="9999")
    assert "enter the figure yourself" in str(exc.value) and exc.value.field == "target_group.from_warehouse.region"

    class Suppressed:
        def observations(self, **kw):
            return pd.DataFrame([{"period_from": 2024, "period_to": 2024, "flag": 3, "numerator": None,
                                  "denominator": None, "release": 1}])

        def region_name(self, code):
            return None

    with pytest.raises(InputError) as exc:
        baselines.local_baseline(Suppressed(), "neet_15_29", "4601")
    assert "suppressed" in str(exc.value)
    with pytest.raises(InputError) as exc:                       # unfilled: refused, naming the field
        build_scenario(local_dict(scenario_dict))
    assert exc.value.field == "target_group.from_warehouse"


def test_cli_and_web(home, tmp_path, scenario_dict):
    from fastapi.testclient import TestClient

    from oppvekst.cli import _register, app
    from oppvekst.web.app import create_app

    _register()
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(local_dict(dict(scenario_dict))), encoding="utf-8")
    res = CliRunner().invoke(app, ["economics", "run", str(path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["size"] == 63315 and any(f["source"] == "SSB 13556, 2024" for f in out["inputs"])
    scenario_dict["effect"] = dict(LOCAL_EFFECT)
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(scenario_dict), encoding="utf-8")
    res = CliRunner().invoke(app, ["economics", "run", str(plain), "--region", "4601", "--indicator",
                                   "neet_15_29", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["size"] == 63315
    client = TestClient(create_app())
    page = client.post("/utenforregnskap", data={"scenario": yaml.safe_dump(scenario_dict), "region": "4601",
                                                 "indicator": "neet_15_29", "draws": "0"})
    assert 'id="error"' not in page.text and "SSB 13556, 2024" in page.text and "63\u202f315" in page.text
    api = client.post("/api/v1/economics/run", json=local_dict(scenario_dict)).json()
    assert api["size"] == 63315

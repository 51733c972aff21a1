"""`oppvekst synth` and `oppvekst derive`: registers, a synthetic release, profiles that show it as synthetic."""

import json

from typer.testing import CliRunner

from oppvekst.cli import _register, app
from oppvekst.warehouse import Warehouse

_register()
runner = CliRunner()


def test_synth_then_derive_loads_a_synthetic_release(tmp_path, key_env):
    out = tmp_path / "md"
    r = runner.invoke(app, ["synth", "-m", "1151", "-m", "4001", "--seed", "3", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert made["synthetic"] is True and made["municipalities"] == ["1151", "4001"]
    assert (out / "raw" / "residence.parquet").exists() and not (out / "linked").exists()

    r = runner.invoke(app, ["derive", "--dir", str(out), "--json"])
    assert r.exit_code == 0, r.output
    done = json.loads(r.stdout)
    assert done["synthetic"] is True and done["linked_now"] is True and done["release"] == 1
    assert "low_income_persistent_0_17_syn" in done["indicators"]
    names = {c["target_name"] for c in done["calibration"]}
    assert {"low_income_persistent_0_17_2021_2023", "kindergarten_1_5_2024"} <= names

    with Warehouse() as wh:
        rel = wh.release(1)
        assert rel.synthetic and "syntetiske data" in rel.description
        rows = wh.observations(indicator="kindergarten_1_5_syn", regions=["1151", "4001"], year=2024, age="1-5")
        assert set(rows["region"]) == {"1151", "4001"} and rows["synthetic"].all()
        # no eleven-digit number (an identity number) anywhere in the text of the release
        hits = wh.query(r"""SELECT count(*) AS n FROM observations WHERE regexp_matches(
            concat_ws('|', indicator, region, sex, age, background, ses, flag_reason), '\d{11}')""")["n"].iloc[0]
        assert hits == 0
        assert not wh.query(r"SELECT * FROM releases WHERE regexp_matches(concat_ws('|', source, description), "
                            r"'\d{11}')").shape[0]

    # The same data again: linked files are reused and the release is unchanged.
    r = runner.invoke(app, ["derive", "--dir", str(out), "--json"])
    again = json.loads(r.stdout)
    assert again["linked_now"] is False and again["release"] is None
    # as a table, each calibration target with its source
    r = runner.invoke(app, ["derive", "--dir", str(out), "--no-load"])
    assert r.exit_code == 0 and "kalibrert mot" in r.output and "] FHI statistikk tabell 337 (bundled), 2024" in r.output
    assert "] SSB 13556 (bundled), Hele landet 2024, 20–24 år" in r.output


def test_profile_shows_the_synthetic_twin_marked_synthetic(tmp_path, key_env):
    from oppvekst.compare.comparison import Comparison
    from oppvekst.reports.profile import profile as region_profile

    out = tmp_path / "md"
    # Fredrikstad is an ASSS member: the profile compares with the ASSS group, so it needs one with data
    assert runner.invoke(app, ["synth", "-m", "4001", "-m", "3107", "--seed", "4", "--out", str(out),
                               "--json"]).exit_code == 0
    assert runner.invoke(app, ["derive", "--dir", str(out), "--json"]).exit_code == 0
    with Warehouse() as wh:
        profile = region_profile(Comparison.compute(wh).for_region("4001"))
    rows = {r["id"]: r for t in profile["themes"] for r in t["rows"]}
    kg = rows["kindergarten_1_5"]
    assert kg["data_id"] == "kindergarten_1_5_syn" and kg["has_data"] and kg["synthetic"]
    assert rows["low_income_persistent_0_17"]["synthetic"]
    assert profile["synthetic"] is True


def test_derive_without_a_key_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY_FILE", raising=False)
    out = tmp_path / "md"
    assert runner.invoke(app, ["synth", "-m", "1151", "--out", str(out), "--json"]).exit_code == 0
    r = runner.invoke(app, ["derive", "--dir", str(out)])
    assert r.exit_code == 2 and "OPPVEKST_PSEUDONYM_KEY" in r.output
    assert not (out / "linked").exists()


def test_derive_before_synth_says_what_to_do(tmp_path, key_env):
    r = runner.invoke(app, ["derive", "--dir", str(tmp_path / "nothing")])
    assert r.exit_code == 2 and "oppvekst synth" in r.output

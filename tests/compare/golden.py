"""Regression check for the comparison refactor (issue 14, step 3): every figure the pages, PDF and API show.

Not a pytest module (it needs a warehouse built from the bundled data, ~15 s, and writes megabytes):

    OPPVEKST_HOME=/tmp/golden-compare OPPVEKST_OFFLINE=1 python -m oppvekst.cli build   # or cli.main()
    OPPVEKST_HOME=/tmp/golden-compare OPPVEKST_OFFLINE=1 python tests/compare/golden.py capture /tmp/golden-before
    ... change the code ...
    OPPVEKST_HOME=/tmp/golden-compare OPPVEKST_OFFLINE=1 python tests/compare/golden.py check /tmp/golden-before

`check` captures again into a temporary folder and compares file by file; the only thing ignored is the
profile's "generated" timestamp (and the CLI's timing). Exit status 1 on any difference.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

REGIONS = ["0301", "3301", "4601", "1151", "03", "33"]
API = [
    *[(f"profile_{c}", f"/api/v1/profile/{c}", {}) for c in REGIONS],
    ("profile_0301_interval", "/api/v1/profile/0301", {"metode": "interval", "fdr": "ingen"}),
    ("profile_030101", "/api/v1/profile/030101", {}),
    ("barometer", "/api/v1/barometer", {}),
    ("barometer_interval", "/api/v1/barometer", {"metode": "interval", "fdr": "ingen"}),
    ("barometer_4601_neet", "/api/v1/barometer", {"region": "4601", "indicator": "neet_15_29"}),
    *[(f"barometer_{c}", "/api/v1/barometer", {"region": c}) for c in REGIONS],
    ("barometer_regions", "/api/v1/barometer", {"region": ["0301", "3301", "1151"]}),
    ("barometer_2015_national", "/api/v1/barometer", {"region": "4601", "year": 2015, "comparator": "national"}),
    ("barometer_2020", "/api/v1/barometer", {"year": 2020}),
    ("barometer_2018_1151", "/api/v1/barometer", {"year": 2018, "region": "1151"}),
    ("barometer_breakdowns_0301", "/api/v1/barometer", {"region": "0301", "all_breakdowns": "true"}),
    ("barometer_previous_asss", "/api/v1/barometer", {"comparator": ["previous", "asss"]}),
    ("compare", "/api/v1/compare", {"indicator": "neet_15_29"}),
    ("compare_2024", "/api/v1/compare", {"indicator": "neet_15_29", "year": 2024}),
    ("compare_2018", "/api/v1/compare", {"indicator": "neet_15_29", "year": 2018}),
    ("compare_2018_interval", "/api/v1/compare", {"indicator": "neet_15_29", "year": 2018, "metode": "interval",
                                                  "fdr": "ingen"}),
    ("compare_interval", "/api/v1/compare", {"indicator": "neet_15_29", "metode": "interval"}),
    ("compare_bydel", "/api/v1/compare", {"indicator": "neet_15_29", "level": "bydel"}),
    ("compare_fylke", "/api/v1/compare", {"indicator": "neet_15_29", "level": "fylke"}),
    ("compare_fylke_2016", "/api/v1/compare", {"indicator": "neet_15_29", "level": "fylke", "year": 2016}),
    ("compare_county_46", "/api/v1/compare", {"indicator": "neet_15_29", "county": "46"}),
    ("compare_population", "/api/v1/compare", {"indicator": "population_0_17"}),
    ("monitor_asss", "/api/v1/monitor", {"region": ["0301", "4601"], "group": "asss"}),
    ("monitor_1151_fylke", "/api/v1/monitor", {"region": "1151", "group": "fylke"}),
    ("monitor_33_neet", "/api/v1/monitor", {"region": ["3301", "33"], "indicator": "neet_15_29"}),
    ("trends", "/api/v1/trends", {}),
    ("trends_neet_4601", "/api/v1/trends", {"indicator": "neet_15_29", "region": "4601"}),
    ("funnel", "/api/v1/funnel", {"indicator": "neet_15_29"}),
    ("funnel_2018", "/api/v1/funnel", {"indicator": "neet_15_29", "year": 2018}),
    ("methods", "/api/v1/methods", {}),
    ("asss_reports", "/api/v1/asss/reports", {}),
]
PAGES = [
    ("profil_0301", "/profil/0301", {}),
    ("profil_1151", "/profil/1151", {}),
    ("profil_33", "/profil/33", {}),
    ("profil_4601_interval", "/profil/4601", {"metode": "interval", "fdr": "ingen"}),
    ("sammenlign", "/sammenlign", {}),
    ("sammenlign_2018_46", "/sammenlign", {"aar": 2018, "fylke": "46", "sorter": "navn", "synkende": "false"}),
    ("sammenlign_fylke", "/sammenlign", {"niva": "fylke"}),
    ("sammenlign_q", "/sammenlign", {"q": "Ber", "klasse": "better"}),
    ("sammenlign_interval", "/sammenlign", {"metode": "interval", "fdr": "ingen", "aar": 2019}),
    ("kart", "/sammenlign/kart.svg", {"fylke": "46"}),
    ("kart_2017", "/sammenlign/kart.svg", {"aar": 2017}),
    ("kommunemonitor", "/kommunemonitor", {"kommune": ["0301", "4601"], "gruppe": "asss"}),
    ("kommunemonitor_default", "/kommunemonitor", {}),
    ("metode", "/metode", {}),
    ("asss", "/asss", {}),
]
CLI = [
    ("cli_profile_1508", ["profile", "1508", "--json"]),
    ("cli_profile_0301_interval", ["profile", "0301", "--metode", "interval", "--fdr", "ingen", "--json"]),
    ("cli_barometer_4601", ["barometer", "--region", "4601", "--json"]),
    ("cli_monitor", ["monitor", "0301", "4601", "--group", "asss", "--json"]),
]
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def _normal(text: str) -> str:
    text = STAMP.sub("<generated>", text)
    return re.sub(r'"seconds": [0-9.]+', '"seconds": 0', text)


def capture(out: Path) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from oppvekst.cli import _register, app
    from oppvekst.reports import pdf
    from oppvekst.web.app import create_app

    out.mkdir(parents=True, exist_ok=True)
    with TestClient(create_app()) as client:
        for name, url, params in API:
            res = client.get(url, params=params)
            assert res.status_code == 200, (url, params, res.status_code, res.text[:300])
            (out / f"{name}.json").write_text(_normal(json.dumps(res.json(), ensure_ascii=False, indent=1)))
        for name, url, params in PAGES:
            res = client.get(url, params=params)
            assert res.status_code == 200, (url, params, res.status_code, res.text[:300])
            (out / f"{name}.html").write_text(_normal(res.text))
        for code in ("4601", "1151"):
            # the PDF's HTML (the PDF bytes carry a creation date); the profile as the API gives it
            p = client.get(f"/api/v1/profile/{code}").json()
            (out / f"pdf_{code}.html").write_text(_normal(pdf.profile_html(p, pdf.profile_charts(p))))
            res = client.get(f"/profil/{code}.pdf")
            assert res.status_code == 200 and res.content[:5] == b"%PDF-"
    _register()
    runner = CliRunner()
    for name, args in CLI:
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (args, res.output[:300])
        (out / f"{name}.json").write_text(_normal(res.output))


def check(golden: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        now = Path(tmp)
        capture(now)
        names = sorted({p.name for p in golden.iterdir()} | {p.name for p in now.iterdir()})
        bad = [n for n in names if not (golden / n).exists() or not (now / n).exists()
               or (golden / n).read_text() != (now / n).read_text()]
        for n in bad:
            print(f"DIFFERS: {n}")
        print(f"{len(names) - len(bad)} of {len(names)} outputs identical")
        return 1 if bad else 0


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if mode == "capture":
        capture(folder)
    else:
        sys.exit(check(folder))

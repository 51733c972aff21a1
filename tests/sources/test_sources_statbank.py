"""read_statbank_csv layouts, read_statbank_wide and bad input."""

import pytest

from oppvekst.errors import InputError
from oppvekst.sources import catalogue as bundled
from oppvekst.sources.statbank import read_population, read_statbank_csv, read_statbank_wide

WIDE = bundled.path("ssb_upper_secondary_completed_counties_wide")


def write(tmp_path, name, text, encoding="utf-8", newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_norwegian_labels_tab_bom_status_markers(tmp_path):
    text = ("\"Personer, etter region, alder og år\"\n\n"
            "region\talder\tPersoner 2023\tPersoner 2024\n"
            "K-3101 Halden\t0 år\t..\t286\n"
            "K-3101 Halden\t105 år eller eldre\t:\t1 234\n"
            "0301 Oslo kommune\t1 år\t.\t12,5\n")
    df = read_statbank_csv(write(tmp_path, "nb.csv", text, "utf-8-sig", "\r\n"))
    assert list(df.columns) == ["region", "region_name", "age", "contents", "year", "value", "flag"]
    assert df["region"].tolist() == ["3101"] * 4 + ["0301"] * 2
    assert df["age"].tolist() == [0, 0, 105, 105, 1, 1]
    assert set(df["contents"]) == {"Personer"} and df["year"].tolist() == [2023, 2024] * 3
    assert df["flag"].tolist() == [1, 0, 3, 0, 2, 0]
    assert df["value"].iloc[1] == 286 and df["value"].iloc[3] == 1234 and df["value"].iloc[5] == 12.5
    assert df["value"].iloc[[0, 2, 4]].isna().all()
    assert df["region_name"].iloc[0] == "Halden"


def test_latin1_detected(tmp_path):
    text = '"region";"age";"Persons 2024"\n"K-1804 Bodø";"0 years";500\n'
    df = read_population(write(tmp_path, "l1.csv", text, "iso-8859-1"))
    assert df["region_name"].tolist() == ["Bodø"] and df["persons"].tolist() == [500]


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "bad.csv"
    # 0x96 is a cp1252 en dash: neither UTF-8 nor printable ISO-8859-1
    path.write_bytes(b'"region";"age";"Persons 2024"\r\n"K-3101 Halden \x96 x";"0 years";1\r\n')
    with pytest.raises(InputError) as err:
        read_statbank_csv(path)
    assert err.value.file == str(path) and err.value.row == 2 and err.value.field == "encoding"
    assert "0x96" in str(err.value)


def test_non_numeric_cell_names_line_and_column(tmp_path):
    text = ('"07459: Population"\n\n"region";"age";"Persons 2024"\n'
            '"K-3101 Halden";"0 years";286\n"K-3101 Halden";"1 year";abc\n')
    path = write(tmp_path, "nn.csv", text, "iso-8859-1", "\r\n")
    with pytest.raises(InputError) as err:
        read_statbank_csv(path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 5, "Persons 2024")
    assert "'abc'" in str(err.value)


def test_missing_count_and_negative_count_in_population(tmp_path):
    text = '"region";"age";"Persons 2024"\n"K-3101 Halden";"0 years";..\n'
    with pytest.raises(InputError) as err:
        read_population(write(tmp_path, "m.csv", text))
    assert err.value.row == 2 and err.value.field == "Persons 2024"
    text = '"region";"age";"Persons 2024"\n"K-3101 Halden";"0 years";1\n"K-3101 Halden";"1 year";-4\n'
    with pytest.raises(InputError) as err:
        read_population(write(tmp_path, "n.csv", text))
    assert err.value.row == 3


def test_wrong_field_count_and_no_header(tmp_path):
    text = '"region";"age";"Persons 2024"\n"K-3101 Halden";"0 years";1;7\n'
    with pytest.raises(InputError) as err:
        read_statbank_csv(write(tmp_path, "w.csv", text))
    assert err.value.row == 2 and err.value.field == "row"
    with pytest.raises(InputError) as err:
        read_statbank_csv(write(tmp_path, "h.csv", "a;b;c\n1;2;3\n"))
    assert err.value.field == "header"


def test_region_without_code(tmp_path):
    text = 'region,age,Persons 2024\n0101 Halden,0 years,1\nHalden,1 year,2\n'
    with pytest.raises(InputError) as err:
        read_statbank_csv(write(tmp_path, "r.csv", text))
    assert (err.value.row, err.value.field) == (3, "region")


def test_wide_multi_row_header():
    df = read_statbank_wide(WIDE)
    assert df.attrs["header_rows"] == 4
    assert list(df.columns) == ["Region", "Navn", "Bakgrunn", "Kjønn", "Enhet", "year", "value", "flag"]
    # 20 regions x 5 backgrounds x 3 sexes x 2 units x 11 years
    assert len(df) == 20 * 5 * 3 * 2 * 11
    assert df["Region"].nunique() == 20 and df["year"].min() == 2009 and df["year"].max() == 2019

    def one(**w):
        m = True
        for k, v in w.items():
            m = m & (df[k] == v)
        rows = df[m]
        assert len(rows) == 1
        return rows.iloc[0]

    # line 5: F01;Østfold;954;... -> first value column (Hele befolkningen, Kvinner, Personer, 2009)
    r = one(Region="F01", Bakgrunn="Hele befolkningen", Kjønn="Kvinner", Enhet="Personer", year=2009)
    assert r["value"] == 954 and r["Navn"] == "Østfold"
    # column 255 of line 7: Oslo, Innvandrere, Alle, Personer, 2019 = 640; the next unit block: 66.1 %
    assert one(Region="F03", Bakgrunn="Innvandrere", Kjønn="Alle", Enhet="Personer", year=2019)["value"] == 640
    assert one(Region="F03", Bakgrunn="Innvandrere", Kjønn="Alle", Enhet="Prosent", year=2019)["value"] == 66.1
    # column 135 of line 9 is ":" (F05, Befolkningen unntatt innvandrere, Kvinner, Personer, 2009)
    r = one(Region="F05", Bakgrunn="Befolkningen unntatt innvandrere", Kjønn="Kvinner", Enhet="Personer",
            year=2009)
    assert r["flag"] == 3 and r["value"] != r["value"]
    # F50 Trøndelag exists from 2018: empty cells before that -> flag 1
    trl = df[(df.Region == "F50")]
    assert (trl.loc[trl.year < 2018, "flag"] == 1).all() and (trl.loc[trl.year >= 2018, "flag"] == 0).all()
    assert one(Region="F50", Bakgrunn="Hele befolkningen", Kjønn="Kvinner", Enhet="Personer",
               year=2018)["value"] == 2394


def test_wide_bad_cell(tmp_path):
    text = "Region;Navn;År: 2018;År: 2019\nF01;Østfold;1;x\n"
    path = write(tmp_path, "w.csv", text, "iso-8859-1")
    with pytest.raises(InputError) as err:
        read_statbank_wide(path)
    assert (err.value.row, err.value.field) == (2, "2019")

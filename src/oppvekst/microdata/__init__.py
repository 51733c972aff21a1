"""Linked register microdata at national scale (issue 4). SYNTHETIC DATA ONLY in this project.

- `synth.generate(out, seed=, municipalities=)`: synthetic registers for every person aged 0–29 in
  2015–2024 (persons, residence with moves, districts and zones, households and parents, income,
  housing, social assistance, kindergarten, national tests, lower- and upper-secondary school, NEET,
  child welfare) as Parquet in `<out>/raw/`, with synthetic identity numbers (`fnr`). Calibrated as
  described in `calibration`; every unsourced number is a model parameter in `params`.
- `link.link(base)`: validates every identity number (`fnr.validate`), replaces it by a keyed HMAC
  pseudonym (`pseudonym`, key from OPPVEKST_PSEUDONYM_KEY / _KEY_FILE) and writes `<base>/linked/`.
- `derive`: the indicators as Ibis expressions over the linked registers, on DuckDB or PySpark;
  `reference` is the same in plain pandas (benchmark baseline and cross-check).
- `pipeline.run(base)`: link if needed, derive, compare with the targets, load one release marked
  synthetic. CLI: `oppvekst synth`, `oppvekst derive`.

Raw identity numbers exist only in `<base>/raw/`; everything after linkage holds pseudonyms only.
"""

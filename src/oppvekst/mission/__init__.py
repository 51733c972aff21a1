"""Samfunnsoppdraget (the mission *Ingen barn og unge utenfor!*): the data and computational core.

Pure functions over data; storage, pages and commands are wired elsewhere.

- `goals`: `load()` -> GoalTree (vision, overall goal, Boks 8.3 sub-goals wp1–wp6, the report's goals
  r1–r3 and sub-goals r1.1–r3.3, indicator links, indicator gaps, preconditions); `normalise(text)`.
- `progress`: sdg-build's ProgressMeasure (`sdg_progress`, `indicator_progress`, `growth_calculation`,
  `progress_thresholds`, `progress_status`, `progress_score`, `status_from_score`, `limit_coefficient`);
  the statistical assessment `trend_assessment`; `Target`, `target_for_subgoal`, `assess` (both methods).
- `baseline`: `freeze(reader, year)` -> Baseline (frozen records), `revision(frozen, reader)`.
- `drivers`: `progress_by_region`, `progress_by_group`, `group_gap`, `gap_progress`, `contribution`.
- `portfolio`: `load()` -> Portfolio, `initiative(raw)`, `landscape(axis=)`, `landscape_matrix`, `tensions`.
"""

"""Veiledningstjeneste for forsøk: plan, power, randomise and analyse a trial (issue 10).

- `power.solve(design=..., outcome=..., **known) -> PowerResult`: power, sample size, clusters or
  minimum detectable effect for individual, cluster, multi-site, stepped-wedge, DiD/ANCOVA and RD designs.
"""

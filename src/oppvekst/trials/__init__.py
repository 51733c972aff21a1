"""Trials (forsøk): power, randomisation and analysis of a trial (issue 10)."""

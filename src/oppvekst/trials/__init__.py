"""Trials (veiledningstjeneste for forsøk): method choice, power, randomisation, analysis, plans."""

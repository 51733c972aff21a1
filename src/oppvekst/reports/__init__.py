"""Reports: charts, maps, profiles as web pages and PDF."""

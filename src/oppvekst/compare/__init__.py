"""Comparison (oppvekstbarometer): barometer classes, peers, trends, social gradients, funnel plots.

`Comparison` (compare.comparison) holds all of it for one release state; `comparison(reader, method)`
gives the shared, cached one. The modules beside it are the computations it is made of.
"""

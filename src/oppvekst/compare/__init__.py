"""Comparison (oppvekstbarometer): barometer classes, peers, trends, social gradients, funnel plots."""

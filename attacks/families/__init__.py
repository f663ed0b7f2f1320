"""Scenario families: one module per kind of attack; importing one registers its scenarios."""

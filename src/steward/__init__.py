"""Steward: research partnerships between a state education agency and researchers."""

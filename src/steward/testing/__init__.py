"""Support for Steward's own test suite."""

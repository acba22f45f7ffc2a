"""Data requests and their review: screening, agency sign-off, committee, decisions."""

"""The public site: what is studied, by whom, and what was found."""

"""De-identified extracts built from an agreement, their delivery, and the analysis workspace."""

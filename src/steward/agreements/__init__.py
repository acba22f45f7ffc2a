"""Data sharing agreements: versions, signatures, term and renewal, closeout and destruction."""

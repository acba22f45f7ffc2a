"""The data plane: pure-Python computation on files, keys and plain values; no Django."""

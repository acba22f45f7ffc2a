"""The research agenda, partnerships, projects and pre-analysis plans."""

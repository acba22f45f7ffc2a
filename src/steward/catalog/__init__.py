"""The catalog: agencies' datasets and elements, classification levels, ingested versions and
their quality scorecards."""

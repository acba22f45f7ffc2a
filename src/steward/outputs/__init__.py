"""Safe outputs: disclosure rules, protected tables, the ledger of releases, output review."""

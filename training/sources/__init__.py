"""One adapter per dataset; each yields ``training.sources.base.Row`` objects."""

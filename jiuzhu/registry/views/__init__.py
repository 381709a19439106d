"""Pages of the registry, one module per sub-area: households (with their income and assets, shown on the
household page), members, the near-relative register, discovery reports and the bulk import."""

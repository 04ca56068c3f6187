"""All-or-nothing CSV import/export. Each context registers the files it understands."""

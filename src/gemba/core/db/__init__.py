"""Database plumbing: declarative base, engines, unit of work, migrations, sequences."""

"""Platform services shared by every context: config, db, auth, audit, events. No business rules."""

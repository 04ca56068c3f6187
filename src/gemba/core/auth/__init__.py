"""Users, roles, permissions, API tokens and the Actor every service call runs as."""

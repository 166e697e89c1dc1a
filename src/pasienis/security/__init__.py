"""Users, roles, compartments, sessions/tokens and the hash-chained audit log."""

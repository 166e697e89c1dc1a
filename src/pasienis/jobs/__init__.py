"""Background jobs with progress (state in the store) and the internal event bus."""

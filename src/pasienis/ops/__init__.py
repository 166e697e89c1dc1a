"""Operations: units, devices, positions, tasks, assignment and delivery to crews."""

"""Data integration: readers, declarative YAML mappings, validation, quarantine, import runs."""

"""pasienis — customs intelligence and field-operations platform."""

__version__ = "0.1.0"

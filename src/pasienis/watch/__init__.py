"""Watch: watchlists, screening of new records and plate reads, and alerts."""

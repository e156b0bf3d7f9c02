"""The citizen pages (thin: forms, selectors and services do the work)."""

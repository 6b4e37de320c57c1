"""polish stage (see DESIGN.md)."""

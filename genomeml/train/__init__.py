"""train stage (see DESIGN.md)."""

"""Reading frames and writing outputs."""

"""Page declarations, one module per area of master data."""

"""Document types: one module per type, each registered here."""

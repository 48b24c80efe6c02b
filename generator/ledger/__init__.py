"""The ledger stage: its layout (schema), how values are read (values, reader),
the typed model, and the rule catalogue that checks it (rules, findings, check)."""

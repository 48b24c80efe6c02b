"""The monthly batch folder: its plan, its manifest and send log, PDFs, and sending."""

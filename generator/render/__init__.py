"""The rendering stage: the .docx engine, Japanese conventions for documents,
shared context pieces, charts, and atomic output files."""

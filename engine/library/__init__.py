"""The document library: documents a coordinator adds (and the five seed documents), split into
sections and pages, searched passage by passage, and drafted into structured facts for review.

File formats are read outside the engine (sheets/documents.py); the engine receives text, sections
and pages only.
"""

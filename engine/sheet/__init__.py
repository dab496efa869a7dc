"""The shared sheet inside the engine: the one tab schema (schema.py), row parsing (rows.py) and the
sheet knowledge layer (knowledge.py). No gspread/openpyxl here; stores live in sheets/."""

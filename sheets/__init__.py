"""Stores implementing engine.store.Store: Google Sheets (gspread) and a local .xlsx workbook."""

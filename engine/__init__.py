"""Stimulans core: knowledge base, question understanding, answers, status rules, reminder planning.

Imports neither Slack nor gspread (a test checks). Fronts (bot/) call it; stores (sheets/)
implement engine.store.Store.
"""

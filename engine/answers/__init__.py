"""One module per kind of answer; each returns an engine.answer.Answer or None (not applicable)."""

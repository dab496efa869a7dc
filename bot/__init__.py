"""Fronts over the engine: the Slack app (Bolt) and the command line `stimulans`."""

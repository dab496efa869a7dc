"""Fronts over the engine: the Slack app (`bot.slack`) and the command line `stimulans` (`bot.cli`)."""

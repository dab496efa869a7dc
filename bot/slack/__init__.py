"""The Slack front: the Bolt app and its listeners, Block Kit views, the HTTP endpoint (gunicorn) and health
checks, and the senders that post reminders and the weekly digest."""

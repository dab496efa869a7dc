"""Answer text reaches Slack escaped: a sheet cell typed as "<!channel>" cannot ping anyone."""
import json

from bot.slack.blocks import answer_message
from engine.answer import Answer


def test_answer_text_is_escaped_for_mrkdwn():
    msg = answer_message(Answer(text="Status: <!channel> & <@U123> <https://evil|klicka>", intent="status"),
                         question="status")
    shown = [b for b in msg["blocks"] if b["type"] in ("section", "context")]
    dumped = json.dumps(shown, ensure_ascii=False) + msg["text"]
    assert "<!channel>" not in dumped and "<@U123>" not in dumped and "<https://evil" not in dumped
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in msg["blocks"][0]["text"]["text"]
    assert msg["text"].startswith("Status: &lt;!channel&gt;")


def test_the_source_line_is_escaped_too():
    from engine.models import Source

    msg = answer_message(Answer(text="1 kr", intent="amount", sources=[Source(doc="<!channel>", section="<@U1>")]),
                         question="q")
    dumped = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "<!channel>" not in dumped and "&lt;!channel&gt;" in dumped

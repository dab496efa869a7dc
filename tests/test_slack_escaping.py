"""Answer text reaches Slack escaped: a sheet cell typed as "<!channel>" cannot ping anyone."""
import json

from bot.blocks import answer_message
from engine.answer import Answer


def test_answer_text_is_escaped_for_mrkdwn():
    msg = answer_message(Answer(text="Status: <!channel> & <@U123> <https://evil|klicka>", intent="status"),
                         question="status")
    shown = [b for b in msg["blocks"] if b["type"] in ("section", "context")]
    dumped = json.dumps(shown, ensure_ascii=False) + msg["text"]
    assert "<!channel>" not in dumped and "<@U123>" not in dumped and "<https://evil" not in dumped
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in msg["blocks"][0]["text"]["text"]
    assert msg["text"].startswith("Status: &lt;!channel&gt;")

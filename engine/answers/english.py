"""Answers in English: the engine's Swedish answer sentences rendered for an English reader.

The answer builders write Swedish from a small set of sentence templates; this module renders
those templates in English — amounts as `593 461 SEK` / `65 817.31 SEK` (digits grouped by spaces),
dates as `1 December 2020` — and keeps Swedish proper names, document titles and quoted document
text as they are. The citation (`Answer.source_line()`) reads "Source: …, section …" with the titles as they are.
"""
from __future__ import annotations

import re
from dataclasses import replace

from engine.answer import Answer

_MONTHS = {"januari": "January", "februari": "February", "mars": "March", "april": "April", "maj": "May",
           "juni": "June", "juli": "July", "augusti": "August", "september": "September",
           "oktober": "October", "november": "November", "december": "December"}

_NUM = r"\d{1,3}(?:[ \u00a0]\d{3})*"

#: (pattern, replacement) applied in order; the templates of engine/answers/*.py, longest first
_TEMPLATES: list[tuple[str, str]] = [
    # numbers and units
    (rf"({_NUM}),(\d+) Mkr", r"\1.\2 MSEK"),
    (rf"({_NUM}) Mkr", r"\1 MSEK"),
    (rf"({_NUM}),(\d\d) kr\b", r"\1.\2 SEK"),
    (rf"({_NUM}) kr\b", r"\1 SEK"),
    (r"(\d+),(\d+) %", r"\1.\2 %"),
    (r"\b(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4})\b", lambda m: f"{m[1]} {_MONTHS[m[2]]} {m[3]}"),
    # sentences
    (r"Ett eget belopp för (.+?) framgår inte av dokumenten", r"An amount of its own for \1 is not in the documents"),
    (r"Det nationella beloppet för (.+?) framgår inte av dokumenten", r"The national amount for \1 is not in the documents"),
    (r"Beloppet för (.+?) framgår inte av dokumenten", r"The amount for \1 is not in the documents"),
    (r"Uppgifter för (.+?) finns inte i dokumenten", r"Figures for \1 are not in the documents"),
    (r"En egen frist för (.+?) framgår inte av dokumenten; fristen nedan gäller (.+?)(?=[.:]\s)",
     r"A deadline of its own for \1 is not in the documents; the deadline below applies to \2"),
    (r"En frist för (.+?) års medel framgår inte av dokumenten", r"A deadline for the \1 funds is not in the documents"),
    (r"En frist för (.+?) framgår inte av dokumenten", r"A deadline for \1 is not in the documents"),
    (r"Jag svarar bara på det som står i dokumenten om stimulansmedlen för psykisk hälsa \(belopp, frister, "
     r"faktura- och rekvisitionsregler, fördelning, krav\)\.",
     "I only answer from the documents on the stimulus funds for mental health (amounts, deadlines, invoicing "
     "and requisition rules, distribution, requirements)."),
    (r"Dokumenten anger inget belopp för det\.", "The documents state no amount for it."),
    (r" gäller (\d{4}(?:, \d{4})*) och (\d{4}) men totalbeloppet står bara för (\d{4})\.",
     r" covers \1 and \2, but its total is stated only for \3."),
    (r" gäller (\d{4}(?:, \d{4})*) och (\d{4}) men beloppen står bara för (\d{4}):",
     r" covers \1 and \2, but the amounts are stated only for \3:"),
    # distribution keys (engine/answers/keys.py)
    (r"^Vilket datum befolkningsmängden avser (.+?) framgår inte av dokumenten\.",
     r"The date of the population figures for \1 is not in the documents."),
    (r" per län och resten efter befolkningsmängd", " per county and the rest by population"),
    (r"^Efter befolkningsmängd den ", "By population on "),
    (r"\bMedlen fördelas efter befolkningsmängd\b", "The funds are distributed by population"),
    (r"^Efter befolkningsmängd \(", "By population ("),
    (r"(?<=[\d)]) per län(?=[:,])", " per county"),
    (r", utom de tre storstadslänen \((.+?)\) som får (.+?) var:", r", except the three metropolitan counties (\1), which get \2 each:"),
    (r" var för de tre storstadslänen", " each for the three metropolitan counties"),
    (r" var till de tre storstadslänen \((.+?)\); övriga län får (.+?):",
     r" each to the three metropolitan counties (\1); the other counties get \2:"),
    (r"\befter andelen barn och unga 0–25 år", "by the share of children and young people aged 0–25"),
    (r"Jag hittar inget säkert svar: det du frågar efter framgår inte av dokumenten, eller så förstod jag inte "
     r"frågan\.", "I have no reliable answer: what you ask for is not in the documents, or I did not understand "
     "the question."),
    (r"Närmast i dokumenten: belopp för (.+?) finns för posterna",
     r"Nearest in the documents: amounts for \1 are stated for the posts"),
    (r"finns inte i dokumenten", "is not in the documents"),
    (r"framgår inte av dokumenten", "is not in the documents"),
    (r"Dokumenten täcker", "The documents cover"),
    (r"Det dokumenten säger om", "What the documents say about"),
    (r"Dokumenten anger inte", "The documents do not state"),
    (r"Dokumenten anger belopp för", "The documents state amounts for"),
    (r"dokumenten anger inget belopp som", "the documents state no amount that"),
    (r"Dokumentet anger inte vad som händer om fristen missas\.",
     "The document does not say what happens if the deadline is missed."),
    (r"\(avrundat belopp\)", "(rounded amount)"),
    (r"Fördelat per post", "Split by post"),
    (r"\(summa ", "(sum "),
    (r"\(summan av (\d+) publicerade postbelopp\)", r"(the sum of \1 published post amounts)"),
    (r"finns i dokumenten för (.+?) \(senaste först\)", r"is in the documents for \1 (latest first)"),
    (r" och ([^:\n]+?) får sammanlagt ", r" and \1 get in total "),
    (r"\(summan av (de avrundade totalbeloppen|postbeloppen|de publicerade beloppen); dokumenten skriver inte ut "
     r"summan, den är räknad ur tabellen\)",
     lambda m: "(the sum of the " + {"de avrundade totalbeloppen": "rounded totals", "postbeloppen": "post amounts",
                                    "de publicerade beloppen": "published amounts"}[m[1]]
     + "; the documents do not print the sum, it is computed from the table)"),
    (r"^Exakt summa av postbeloppen:", "Exact sum of the post amounts:"),
    (r" – (mest|minst) av (\d+) kommuner med publicerade belopp\.",
     lambda m: f" – the {'most' if m[1] == 'mest' else 'least'} of {m[2]} municipalities with published amounts."),
    (r" – nummer (\d+) räknat från (mest|minst), av (\d+) kommuner med publicerade belopp\.",
     lambda m: f" – number {m[1]} counting from the {'most' if m[2] == 'mest' else 'least'}, of {m[3]} "
               "municipalities with published amounts."),
    (r" sammanlagt enligt de publicerade beloppen:", " in total according to the published amounts:"),
    (r"summan av de (\d+) publicerade kommunbeloppen för (.+?) i (.+?) \(dokumenten skriver inte ut summan; den är "
     r"räknad exakt ur tabellen\)", r"the sum of the \1 published municipal amounts for \2 in \3 (the documents do "
     r"not print the sum; it is computed exactly from the table)"),
    (r" får sammanlagt ", " gets in total "),
    (r" får (?=[\d])", " gets "),
    (r" fick (?=[\d])", " got "),
    (r"så mycket går till (.+?) (\d{4}) enligt dokumenten", r"goes to \1 in \2 according to the documents"),
    (r"Sammanlagt", "In total"),
    (r"(SEK|MSEK) för (?=[A-ZÅÄÖ]|\d{4}\b)", r"\1 for "),
    (r" till regionerna ", " to the regions "),
    (r" till kommunerna ", " to the municipalities "),
    (r"Andra deadlines av samma slag", "Other deadlines of the same kind"),
    (r"Obs \(avvikelse i dokumenten\)", "Note (discrepancy in the documents)"),
    (r"\bObs:", "Note:"),
    (r" är en lördag", " is a Saturday"), (r" är en söndag", " is a Sunday"),
    (r"\(en lördag\)", "(a Saturday)"), (r"\(en söndag\)", "(a Sunday)"),
    (r"Så snart som möjligt", "As soon as possible"),
    (r"(?m)^(\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December)"
     r" \d{4}(?: \(a \w+day\))?): (.+?) ska ", r"\1: deadline. In the document's words: \2 ska "),
    (r"Jag antog", "Assumed"),
    (r"\bkommunkod (\d{4}) = ", r"municipality code \1 = "),
    (r"^([\d ]+) invånare: folkmängden som fördelningen ([\d och]+) använder för ",
     r"\1 inhabitants: the population the \2 distribution uses for "),
    (r"(?m)^Ur tabellen: ", "From the table: "),
    (r"\(från föregående fråga\)", "(from the previous question)"),
    (r"enligt dokumentet", "according to the document"),
    (r"enligt dokumenten", "according to the documents"),
    (r"beräknat", "estimated"),
    (r"^Det framgår inte av dokumenten för (.+?)\. Närmast i dokumenten \(ett stycke som inte nämner .+?\):",
     r"The documents do not state it for \1. Nearest in the documents (a passage that does not mention \1):"),
    (r"^Hej!", "Hello!"), (r"^Varsågod!", "You're welcome!"),
    (r"Närmast i dokumenten", "Nearest in the documents"),
    (r"\b(\d{4}) och (\d{4})\b", r"\1 and \2"),
    (r"I stället finns", "Instead the documents have"),
    (r"^Ja, ", "Yes, "), (r"^Nej, ", "No, "),
    (r"^((?:Yes, |No, )?.+?) får mer: ", r"\1 gets more: "),
    (r"^((?:Yes, |No, )?.+?) är större: ", r"\1 is larger: "),
    (r"^Lika mycket: (.+?) har båda", r"The same: \1 both have"),
    (r"^Skillnad ", "Difference "),
    (r"(?<=\): )(.+?) får mer, ", r"\1 gets more, "),
    (r"(?<=\): )(.+?) är större, ", r"\1 is larger, "),
    (r"% mer\)", "% more)"),
    (r", skillnad ", ", difference "),
    (r"\bmer än\b", "more than"),
    (r"\bmindre än\b", "less than"),
    (r"\bskillnad\b", "difference"),
    (r"\bmot\b", "against"),
    (r"(SEK|MSEK)\)? (\d{4})\b", lambda m: f"{m[1]}{')' if ')' in m[0] else ''} in {m[2]}"),
]
_COMPILED: list = []  # compiled on the first English answer, not at import (issue #13: cold start)

#: a short English lead for answers whose body quotes Swedish document text
_QUOTED_LEAD = "From the documents (quoted in Swedish):"
_QUOTED_INTENTS = {"rule", "requirements", "invoice_rule", "requisition_form"}


#: a rule the quoted Swedish states, glossed in English above the quote ("ska ni inte lägga på moms")
_GLOSSES = [
    (r"\b(?:inte|ej)\s+(?:\w+\s+){0,3}(?:på\s+)?moms\b|\b(?:utan|ingen|exklusive|exkl\.?)\s+moms\b",
     "In short: no VAT is to be added."),
]


def render(text: str) -> str:
    if not _COMPILED:
        _COMPILED[:] = [(re.compile(p), r) for p, r in _TEMPLATES]
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    return text


def _english_help(text: str) -> str:
    """The help's paragraph and examples in English (the examples are questions the engine answers)."""
    from engine.answers import overview

    head, tail = overview.HELP.split("{years}")
    en_head, en_tail = overview.HELP_EN.split("{years}")
    text = re.sub(re.escape(head) + r"(.+?)" + re.escape(tail), lambda m: en_head + m[1] + en_tail, text)
    text = re.sub(r"(?m)^Exempel:$", "Examples:", text)
    for sv, en in zip(overview.EXAMPLES, overview.EXAMPLES_EN, strict=True):
        text = text.replace(f"• {sv}", f"• {en}")
    return text


def translate(answer: Answer) -> Answer:
    text = render(_english_help(answer.text) if answer.intent == "help" else answer.text)
    if answer.intent in _QUOTED_INTENTS:
        gloss = [g for pattern, g in _GLOSSES if re.search(pattern, answer.text, re.I)]
        text = _QUOTED_LEAD + "\n" + "".join(g + "\n" for g in gloss) + text
    return replace(answer, text=text, language="en")

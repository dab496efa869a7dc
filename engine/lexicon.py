"""Words people use, folded (no diacritics, lower case). The question parser reads only this.

Swedish first; simple English is mapped onto the same concepts. Stems are matched as
prefixes of a word ("rekvir" matches "rekvirera", "rekvisitionen" via "rekvis").
"""
from __future__ import annotations

#: English (and casual) phrases rewritten to Swedish before parsing. Folded, whole words.
PHRASES: dict[str, str] = {
    "how much": "hur mycket", "how big": "hur stor", "how many": "hur manga", "what amount": "vilket belopp",
    "rekv": "rekvisition", "kk": "kammarkollegiet", "sthlm": "stockholm", "sthlms": "stockholms",
    "ref nr": "referens", "refnr": "referens", "ref": "referens", "referensnr": "referens",
    "must include": "ska innehalla", "include": "innehalla", "don't want": "vill inte", "do not want": "vill inte",
    "who do we tell": "vem meddelar vi", "the funds": "medlen", "pay the invoice": "betalar ut fakturan",
    "pay": "betalar", "pays": "betalar",
    "answers questions": "svarar pa fragor", "questions": "fragor", "question": "fraga",
    "final activity report": "slutlig verksamhetsrapport", "activity report": "verksamhetsrapport",
    "shorten queues": "korta koerna", "queues": "koer",
    "write on": "skriva pa", "write": "skriva", "on the invoice": "pa fakturan", "need to": "behover",
    "redov": "redovisning", "payback": "aterbetalning",
    "hur mkt": "hur mycket", "hur myke": "hur mycket", "hur mycke": "hur mycket", "hur myckt": "hur mycket",
    "when": "nar", "by when": "senast nar", "last day": "sista dag", "deadline": "sista dag", "due": "sista dag",
    "what date": "vilket datum", "latest": "senast",
    "invoice": "faktura", "invoicing": "fakturera", "bill": "faktura",
    "vat": "moms", "value added tax": "moms", "mervardesskatt": "moms",
    "reference": "referens", "case number": "diarienummer", "file number": "diarienummer",
    "requisition": "rekvisition", "requisitions": "rekvisition", "requisitioned": "rekvirerat",
    "repay": "aterbetala", "repaid": "aterbetalas", "pay back": "betala tillbaka", "unused": "oanvanda",
    "report": "redovisning", "reports": "redovisning", "reporting": "redovisning", "final report": "slutredovisning",
    "distribution key": "fordelningsnyckel", "distributed": "fordelas", "split": "fordelas",
    "basic requirements": "grundkrav", "basic requirement": "grundkrav", "performance targets": "prestationsmal", "target group": "malgrupp",
    "decline": "avsta", "opt out": "avsta", "address": "adress", "send": "skicka", "email": "e-post",
    "e-mail": "e-post", "contact": "kontakt", "paid out": "utbetalas", "pay out": "betalar ut",
    "municipalities in": "kommunerna i", "municipalities of": "kommunerna i",
    "regions": "regionerna", "municipalities": "kommunerna", "counties": "lanen", "county": "lan",
    "youth clinics": "ungdomsmottagningar", "youth clinic": "ungdomsmottagning",
    "suicide prevention": "suicidprevention", "suicide": "suicid", "children and young people": "barn och unga",
    "user participation": "brukarmedverkan", "coordinated care": "sammanhallen vard",
    "agreement": "overenskommelse", "total": "totalt", "get": "far", "gets": "far", "receive": "far",
    "population": "befolkningsmangd", "status": "status", "help": "hjalp", "form": "formular",
    "must contain": "ska innehalla", "contain": "innehalla", "what should": "vad ska",
    "purpose": "syfte", "used for": "anvandas till", "use the money": "anvanda pengarna",
    "discrepancies": "avvikelser", "who has not": "vilka har inte", "who hasn't": "vilka har inte",
    "who has": "vilka har", "not yet": "inte", "invoiced": "fakturerat", "declined": "avstatt",
    "has not": "har inte", "hasn't": "har inte", "haven't": "har inte", "have not": "har inte",
    # English words for the documents' own subjects (the documents are Swedish; a word not here that can
    # be a noun is a candidate unknown term, see engine/english_words.py)
    "development": "utveckling", "adult": "vuxna", "adults": "vuxna", "cooperation": "samverkan",
    "collaboration": "samverkan", "principals": "huvudman", "principal": "huvudman",
    "coherent care": "sammanhallen vard", "integrated care": "sammanhallen vard",
    "head of finance": "ekonomichef", "finance director": "ekonomichef", "financial report": "ekonomisk redovisning",
    "financial reporting": "ekonomisk redovisning", "financial": "ekonomisk", "finance": "ekonomi",
    "county councils": "landstingen", "county council": "landsting", "contact details": "kontaktuppgifter",
    "details": "uppgifter", "e-invoice": "e-faktura", "user involvement": "brukarmedverkan",
    "user-involvement": "brukarmedverkan", "date": "datum", "dates": "datum", "key": "nyckel",
    "local action plans": "lokala handlingsplaner", "action plans": "handlingsplaner", "action plan": "handlingsplan",
    "knowledge support": "kunskapsstod", "social services": "socialtjansten", "social service": "socialtjansten",
    "appropriation": "anslag", "appropriations": "anslag",
    "child and adolescent psychiatry": "bup", "child and youth psychiatry": "bup", "child psychiatry": "bup",
    "shorten": "korta", "resource centres": "resurscentrum", "resource centers": "resurscentrum",
    "resource centre": "resurscentrum", "resource center": "resurscentrum",
    "knowledge-based and safe care": "kunskapsbaserad och saker vard", "safe care": "saker vard",
    "knowledge-based care": "kunskapsbaserad vard", "knowledge based care": "kunskapsbaserad vard",
}

#: words that ask for an amount whatever else the question says
AMOUNT_WORDS = ("hur mycket", "hur stor", "hur stora", "belopp", "summa", "storlek", "vad far", "vad fick",
                "hur mycke", "vilket belopp", "hur manga kronor", "hur mycket pengar", "mnkr", "mkr", "tkr", "msek")
#: words that can only mean "by which date" (unlike "när", which also asks "when is it paid")
STRICT_DATE_WORDS = ("sista dag", "sista dagen", "sista datum", "senast", "deadline")
#: "vilken kommun får mest": a ranking
RANK_WORDS = ("mest", "storst", "hogst", "minst", "lagst", "most", "largest", "biggest", "least", "smallest")
#: "hur mycket fanns kvar från 2019?", "rester från 2019", "left over": money carried over from an earlier year
CARRIED_OVER_STEMS = ("kvar", "overfor", "overflyttade", "carry", "carried", "rester ", "resterna", "left over",
                      "leftover", "remaining")
#: "näst mest", "third-largest": the place in a ranking asked for (1 is the top)
RANK_ORDINALS: dict[str, int] = {"nast": 2, "andra": 2, "second": 2, "tredje": 3, "third": 3, "fjarde": 4,
                                 "fourth": 4, "femte": 5, "fifth": 5}
#: "vem rekvirerade", "vilka ska": asks who, not how much
WHO_WORDS = ("vem", "vilken myndighet", "vilken aktor", "who")
#: words that make a text a question at all (a bare "hej" or "tack" asks nothing, so inherits nothing)
QUESTION_WORDS = ("vem", "vad", "nar", "hur", "vilken", "vilket", "vilka", "vart", "var", "varfor", "who", "whom",
                  "what", "when", "how", "where", "which", "why")
#: "vad händer om vi missar": the consequence of a deadline
CONSEQUENCE_WORDS = ("vad hander", "konsekvens", "konsekvensen", "om vi missar", "for sent", "efter sista dagen",
                     "what happens")
#: "varför", "hur kommer det sig": an explanation, never an amount
WHY_WORDS = ("varfor", "why", "hur kommer det sig", "av vilken anledning", "orsak", "anledning")
#: topics that answer "when" themselves, so a deadline question naming them is still a deadline question
DEADLINE_TOPICS = {"faktura_sista_dag", "oanvanda_medel", "redovisning_krav", "avsta", "rekvisition_formular",
                   "ekonomisk_redovisning_formular"}
AMOUNT_STEMS = ("belopp", "tilldeln", "summa", "totalbelopp", "totalsumma")
#: amount words that still ask for an amount when the question is also about use ("hur mycket får vi använda")
STRONG_AMOUNT_WORDS = ("hur mycket", "hur stor", "hur stora", "belopp", "summa", "vilket belopp", "how much")
#: "får användas till", "vad ska pengarna gå till": the purpose, not the amount
USAGE_STEMS = ("anvandas", "anvands", "anvanda pengarna", "anvanda medlen", "anvandningsomrade", "ga till vad",
               "anvandas till")
#: "när ingicks överenskommelsen", "när beslutade SKR"
AGREEMENT_DATE_STEMS = ("ingicks", "ingick", "ingatt", "beslutade", "beslutades", "beslut", "antog", "antogs",
                        "godkand", "godkande", "undertecknad", "tecknades", "signed", "decided")
#: "vem tar emot medlen", "vem betalas medlen ut till"
POST_RECIPIENT_WORDS = ("vem tar emot", "vem far medlen", "vem far pengarna", "mottagare", "mottagaren",
                        "vem betalas", "till vem", "vilken aktor", "vem ska ta emot", "who receives",
                        "vem skickar vi till", "vem skickar man till", "vart skickar vi den", "who do we send it to",
                        "skickas till vem", "till vilken myndighet")
#: words that ask for an amount only when no rule/topic is asked about
WEAK_AMOUNT_STEMS = ("omfatt", "budget", "statsbidrag", "kronor", "pengar", "tilldela", "avsatt", "avsattes")
GETS_WORDS = ("far", "fick", "erhaller", "erholl", "tilldelas", "tilldelades", "beviljades", "gar", "fordelas")

DATE_WORDS = ("nar", "sista dag", "sista datum", "senast", "datum", "datums", "deadline", "tidpunkt", "vilken dag",
              "hur lang tid", "till vilket datum", "innan", "i tid", "for sent", "forsenad", "missar", "missa",
              "hinner", "sista dagen", "vara inne", "inne senast", "ha kommit in", "komma in", "vara klar",
              "frist", "fristen", "frister", "fristerna")

#: deadline kind -> stems that name it
DEADLINE_STEMS: dict[str, tuple[str, ...]] = {
    "rekvisition": ("rekvir", "rekvis", "ansok"),
    "faktura": ("faktur",),
    "aterbetalning": ("aterbetal", "betala tillbaka", "betalas tillbaka", "betala igen", "oanvand", "aterbetala",
                      "overbliv"),
    "ekonomisk_redovisning": ("ekonomisk redovisning", "ekonomiska redovisning", "ekonomisk berattelse"),
    "slutrapport": ("slutredovis", "slutrapport", "slutlig"),
    "verksamhetsrapport": ("verksamhetsrapport",),
    "redovisning": ("redovis", "aterrapport", "rapport", "delredovis"),
    "fragematerial": ("fragematerial", "frageunderlag", "enkat"),
    "avsta": ("avsta", "avsag", "inte ta del", "tacka nej"),
    "utbetalning": ("utbetal", "betalar ut", "betalas ut", "betala ut", "pay out", "paid out", "pays out",
                    "payout"),
    "anmalan": ("anmal",),
    "grundkrav": ("grundkrav",),
}

#: fact topic -> (trigger phrases/stems, weight). Topics are those in config/knowledge facts.
TOPIC_TRIGGERS: dict[str, tuple[str, ...]] = {
    "faktura_moms": ("moms", "mervardesskatt", "vat"),
    "faktura_referens": ("referens", "mark", "marka", "markas", "markt"),
    "faktura_dnr": ("diarienummer", "dnr", "diarienr", "arendenummer", "arendenr"),
    "diarienummer": ("diarienummer", "dnr", "diarienr", "arendenummer", "arendenr"),
    "handlingar_krav": ("diarienummer", "handlingarna", "handlingar", "undertecknad", "i original"),
    "beslut": ("arendenummer", "arendenr"),
    "faktura_epost": ("vart skicka", "skicka fakturan", "skickar fakturan", "fakturan skickas",
                      "e-post", "epost", "mejl", "mail", "e-faktura", "elektronisk", "fakturaadr", "adres"),
    "faktura_adress": ("adres", "postadress", "fakturaadr", "box", "vart skicka", "skicka fakturan",
                       "skickar fakturan", "fakturan skickas", "post", "pappersfaktura", "papper",
                       "pappers"),
    "faktura_text": ("ange", "text", "fakturatext", "text pa fakturan", "skriva", "rubrik", "benamning",
                     "vad ska sta"),
    "faktura_innehall": ("innehalla", "vad ska sta", "skriva pa fakturan", "uppgifter", "fa med", "fakturaunderlag",
                         "punkt",
                         "ska med", "framga"),
    "utbetalning": ("betalar ut", "utbetal", "betalas ut", "fa pengarna", "far vi pengarna", "pengarna komma",
                    "kommer pengarna", "betalar storsthlm", "efterskott", "utbetalas", "far kommunerna pengarna",
                    "betalades ut", "nar far"),
    "avsta": ("avsta", "inte ta del", "tacka nej", "vill inte", "inte vill", "vill vi inte", "inte ha medlen",
              "tvungna att ta", "tvungen att ta", "obligatoriskt att ta", "maste vi ta emot", "mandatory",
              "inte ha pengarna", "inte ta emot", "avboj", "avsaga", "decline"),
    "kontakt": ("kontakt", "fragor till", "fragor om", "med fragor", "kontaktperson", "vem kan svara", "vem svarar",
                "vem ska jag fraga", "vem fragar", "stalla fragor", "vem kontaktar", "en fraga om", "vem mejlar",
                "vem mailar", "vem skriver jag till", "skickar man fragor", "skicka fragor", "skickar vi fragor"),
    "aterrapportering": ("aterrapport", "storsthlm ansvar"),
    "anvandning": ("anvandas", "anvanda", "anvands", "syfte", "ga till", "far anvandas", "anvandningsomrade",
                   "inriktning", "forslag", "prioriterad", "sarskilt prioriterad", "prioriterade grupp"),
    "malgrupp": ("malgrupp",),
    "grundkrav": ("grundkrav", "grundlaggande krav"),
    "prestationsmal": ("prestationsmal", "prestationsbaserad", "prestation"),
    "tillganglighet": ("tillganglighet", "vardgaranti", "vantetid", "koer", "30 dagar", "3 dagar"),
    "rekvisition_formular": ("formular", "blankett", "falt", "uppgifter", "innehalla", "bilaga 1", "ska sta",
                             "kontaktuppgifter", "ska rekvisitionen", "rekvisitionen ha"),
    "ekonomisk_redovisning_formular": ("ekonomisk berattelse", "ekonomisk redovisning", "formular",
                                       "uppgifter", "innehalla", "ekonomichef", "intyga", "granska"),
    "redovisning_krav": ("redovisning", "redovisa", "ska redovisas", "krav pa redovisning", "innehalla",
                         "jamstalldhet"),
    "finansiering": ("anslag", "anslaget", "regleringsbrev", "utgiftsomrade", "anslagspost", "vilket anslag"),
    "historik": ("per ar", "varje ar", "arligen", "tidigare ar", "tidigare overenskommelser", "historik"),
    "faktura_belopp": ("belopp ska vi fakturera", "hur mycket ska vi fakturera", "vad ska vi fakturera",
                       "fakturera for", "hogre belopp", "vilket belopp ska", "mer an vi tilldelats",
                       "mer an tilldelat", "mer an vi fatt", "fakturera mer", "ett hogre", "fakturerar endast", "blivit tilldelad"),
    "bakgrund": ("kostar", "kostnad", "kostnaden", "samhallskostnad"),
    "uppfoljning": ("uppfoljning", "folja upp", "foljer upp", "uppdraget att folja"),
    "krav_antal": ("hur manga grundkrav", "hur manga prestationsmal", "hur manga krav", "antal krav", "antalet krav"),
    "villkor": ("villkor", "kravs", "krav for att", "forutsattning", "for att fa", "vad kravs", "vad maste vi gora"),
    "oanvanda_medel": ("oanvanda", "overbliv", "inte anvant", "inte anvands", "inte anvanda", "inte anvants", "inte utnyttja",
                       "inte har utnyttjats", "inte har utnyttjat", "blir over", "over", "kvar", "overskott", "unused", "maste anvandas",
                       "maste medlen", "anvandas under", "anvandas samma ar"),
}

KEY_WORDS = ("fordelningsnyckel", "fordelnings nyckel", "fordelas", "fordelad", "fordelat", "fordelning",
             "befolkningsmangd", "befolkning", "invanare", "innevanare", "invanarantal", "nyckel", "per lan",
             "efter vad", "hur delas", "beraknas", "berakningsmodell")

#: words that on their own ask about the sheet's status
STATUS_WORDS = ("status", "statusen", "utestaende", "ej rekvirerat", "oppna", "lage", "laget", "lagesbild",
                "overblick", "oversikt", "progress")
#: "has X requisitioned/invoiced?" — a done-word together with a who/has word asks about the sheet
STATUS_DONE_WORDS = ("rekvirerat", "fakturerat", "avstatt", "aterbetalt", "rekvirerats", "fakturerats",
                     "skickat fakturan", "skickat faktura", "redovisat", "ar klara", "ar klar", "inte klara")
STATUS_WHO_WORDS = ("vilka", "vem", "hur manga", "alla", "nagon", "vilken")

HELP_WORDS = ("hjalp", "help", "vad kan du", "vad kan jag fraga", "hur funkar", "exempel", "kommandon",
              "what can you", "what can i ask", "how does this work", "how do you work", "examples")
#: a message that only greets or thanks ("hej!", "tack så mycket", "hello"): answered with a greeting and the help
GREETING_WORDS = frozenset({"hej", "hejsan", "hallo", "halla", "tjena", "tjenare", "morsning", "god", "morgon", "dag",
                            "kvall", "tack", "tackar", "sa", "mycket", "hi", "hello", "hey", "thanks", "thank",
                            "you", "good", "morning", "afternoon", "bra", "toppen", "ok", "okej", "there", "all",
                            "everyone", "alla"})

DISCREPANCY_WORDS = ("avvikelse", "avvikelser", "diskrepans", "motsag", "inkonsekven", "stammer inte",
                     "fel i dokument", "felaktig", "gar det ihop", "gar ihop", "gar inte ihop")

#: level words (plural forms point to a whole level)
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "region": ("regionerna", "regioner", "landstingen", "landsting", "regionernas", "landstingens"),
    "kommun": ("kommunerna", "kommuner", "kommunernas"),
    "kommun_och_region": ("gemensamt", "kommuner och landsting gemensamt", "kommuner och regioner gemensamt"),
    "lan": ("lanen", "lansgemensamma", "lansgemensamt", "lansgemensam", "per lan", "lan"),
    "skr": ("skr", "skl"),
}

AGREEMENT_WORDS = ("overenskommelse", "overenskommelsen", "ok", "agreement", "totalt", "hela", "sammanlagt",
                   "nationellt", "riket", "staten", "ramen", "ram", "totalramen", "frame", "envelope")

STOPWORDS = {
    "hur", "mycket", "vad", "ar", "var", "vi", "ni", "jag", "man", "det", "den", "de", "en", "ett", "och", "att",
    "i", "pa", "for", "till", "av", "om", "med", "som", "ska", "skall", "maste", "kan", "far", "fick", "vilket",
    "vilken", "vilka", "nar", "har", "hade", "the", "a", "of", "to", "is", "what", "do", "we", "our",
    "fran", "sig", "sin", "sina", "oss", "er", "era", "vara", "bli", "blir", "nagot", "inte", "ej", "eller",
    "sa", "da", "dar", "alla", "allt", "mer", "ut", "in", "nu", "gor", "gora", "gar", "lamna", "lamnas",
    "ars", "aret", "medel", "medlen", "stimulansmedel", "stimulansmedlen",
}

#: a recipient right after one of these is excluded, not asked about ("1 658 Mkr exkl SKR")
EXCLUDE_WORDS = {"exkl", "exklusive", "utom", "utan", "except", "excluding", "forutom"}

#: "stämmer det?", "är det rätt?": the question states a figure to be checked
VERIFY_WORDS = ("stammer det", "stammer", "ar det ratt", "ratt belopp", "korrekt", "is that right", "is it correct")
#: "vad är 4 141 043 kr?": the question quotes a figure and asks what it is
WHAT_IS_WORDS = ("vad ar", "vad betyder", "vad galler", "what is", "vilket belopp ar")

#: "vilken modell …": asks which thing, answered by a fact unless it asks for an amount
WHICH_WORDS = ("vilken", "vilket", "vilka", "which", "hur stor andel", "andel", "procent", "vad ska", "vad innebar")
#: yes/no questions ("ska kommunerna få lika mycket?")
YES_NO_STARTS = (" ska ", " maste ", " kan ", " bor ", " gar det ", " ar det ", " finns det ")

#: a question starting with one of these continues the previous one ("och Rättvik?", "and Falun?")
FOLLOW_UP_STARTS = ("och", "and", "men", "but", "what about", "how about", "hur blir det med", "hur ar det med",
                    "samma for", "same for", "an", "sen", "then", "eller")
#: words a follow-up adds that carry no meaning of their own ("och Mora då?")
FOLLOW_UP_FILLERS = {"da", "then", "dar", "there", "for", "kommun", "kommunen", "region", "regionen", "ar",
                     "year", "in", "about", "sa", "ocksa", "also", "too", "forresten", "istallet", "instead"}

#: function words that mark a question as English / Swedish (folded)
ENGLISH_MARKERS = {"how", "much", "what", "when", "does", "do", "is", "are", "the", "get", "gets", "who", "which",
                   "should", "must", "can", "we", "our", "my", "many", "and", "of", "will", "have", "has", "where",
                   "receive", "receives", "by", "with", "there", "any", "was", "were", "did", "it", "this", "that",
                   "about", "why", "need", "may", "than", "more", "less", "us", "you", "your", "money", "amount",
                   "invoice", "funds", "municipality", "county",
                   # greetings: "hello", "thanks" alone are English too
                   "hello", "hi", "hey", "thanks", "thank", "good", "morning", "afternoon", "please", "help",
                   # English-only nouns of the domain: a question with no function word ("Budget for trauma care
                   # for regions in 2019?") is still English
                   "regions", "municipalities", "counties", "care", "children", "youth", "agreement", "prevention",
                   "queues", "requirements", "targets"}
SWEDISH_MARKERS = {"hur", "mycket", "vad", "nar", "far", "ska", "vi", "och", "att", "det", "ar", "vem", "vilka",
                   "vilken", "vilket", "kommer", "maste", "kan", "har", "var", "vart", "varfor", "till", "pa", "om",
                   "med", "den", "som", "mkt", "fick", "sista", "dag", "nagon", "oss", "vara", "jag", "man", "ni",
                   "kommun", "kommunen", "kommunerna", "regionerna", "pengar", "medel", "medlen", "da", "inte", "hos"}
#: "får Mora mer än Leksand?", "skillnaden mellan …": a comparison of two figures
COMPARE_WORDS = ("mer an", "mindre an", "storre an", "hogre an", "lagre an", "jamfort med", "jamfort", "jamfor",
                 "skillnad", "skillnaden", "more than", "less than", "compared", "compare", "difference",
                 "versus", "vs", "an vad", "storre", "hogre", "lagre", "fler", "skiljer", "skiljer sig", "larger",
                 "bigger", "smaller", "by how much", "minskade", "minskat", "okade", "okat", "forandrades",
                 "increase", "increased", "decrease", "decreased")

#: "hur mycket mer …?", "hur stor är skillnaden?": the difference itself is asked, so it leads the answer
#: ("how much" is already rewritten to "hur mycket")
DIFFERENCE_WORDS = tuple(f"hur mycket {w}" for w in ("mer", "mindre", "storre", "hogre", "lagre", "more", "less",
                                                     "smaller", "larger", "bigger", "higher", "lower")) + (
    "skillnad", "skillnaden", "difference", "by how much", "med hur mycket")

#: common English words that carry no domain meaning of their own (an English question is not
#: "about something the documents lack" because it says "earmarked for" or "paid back")
ENGLISH_COMMON = {
    "million", "millions", "billion", "billions", "thousand", "thousands",  # units of an amount ("2 million")
    "how", "much", "many", "what", "when", "where", "which", "who", "whom", "whose", "why", "does", "did", "done",
    "the", "and", "for", "from", "into", "with", "without", "about", "after", "before", "under", "over", "than",
    "that", "this", "these", "those", "there", "their", "they", "them", "have", "has", "had", "will", "would",
    "should", "could", "must", "may", "might", "can", "cannot", "need", "needs", "needed", "our", "your", "you",
    "get", "gets", "got", "give", "given", "gives", "receive", "receives", "received", "money", "funds", "fund",
    "amount", "amounts", "total", "totals", "year", "years", "date", "dates", "deadline", "deadlines", "last",
    "latest", "paid", "pay", "paying", "back", "send", "sent", "sending", "invoice", "invoices", "invoiced",
    "municipality", "municipalities", "region", "regions", "county", "counties", "agreement", "agreements",
    "requisition", "requisitions", "requisitioned", "report", "reports", "reported", "repay", "repaid", "unused",
    "rule", "rules", "allowed", "keep", "spend", "spent", "use", "used", "using", "left", "leftover", "more",
    "less", "larger", "smaller", "bigger", "difference", "compared", "compare", "between", "also", "then",
    "both", "each", "every", "same", "other", "only", "just", "still", "yet", "already", "again", "some", "any",
    "all", "not", "yes", "please", "tell", "know", "want", "wants", "going", "allocated", "allocation",
    "earmarked", "distributed", "distribution", "key", "population", "share", "split", "stated", "state",
    "documents", "document", "says", "say", "said", "write", "written", "text", "address", "email", "e-mail",
    "reference", "number", "case", "include", "included", "contain", "contains", "form", "part", "parts",
    "happens", "happen", "miss", "missed", "late", "later", "early", "first", "next", "previous", "due",
    "whole", "country", "national", "nationally", "sweden", "swedish", "government", "agency", "mental",
    "health", "care", "suicide", "prevention", "youth", "clinics", "children", "young", "people", "user",
    "participation", "coordinated", "knowledge-based", "action", "plans", "plan", "target", "targets",
    "requirements", "requirement", "basic", "performance", "conditions", "condition", "purpose", "purposes",
    "were", "was", "been", "being", "are", "its", "it's", "his", "her", "per", "apply", "applies",
    "responsible", "decide", "decided", "signed", "ask", "asks", "doing", "make", "made", "submit",
    "submitted", "return", "returned", "someone", "anyone", "nobody", "it", "is", "be", "to", "of", "in", "on",
    "by", "at", "or", "if", "so", "do", "we", "us", "me", "my", "an", "a", "no", "up", "out", "de", "grant", "grants", "city", "adolescent", "adolescents", "child", "shorten", "queue", "queues", "long",
    "sends", "pays", "decides", "signs",
    "keeps", "spends", "uses", "sign", "one", "ones", "rest", "remaining", "happened", "own", "itself", "themselves", "directly", "instead", "else", "too", "very", "right", "correct", "wrong",
    "true", "false", "count", "counts", "counted", "based", "calculated", "calculate", "money's", "funding",
    "funded", "stimulus", "psychiatry", "psychiatric", "trauma", "child-and-youth", "initiatives", "initiative",
    "there's", "what's", "who's", "isn't", "doesn't", "don't", "can't", "won't", "we're",
    "postal", "paper", "mandatory", "obliged", "required", "require", "set", "aside", "take", "taking",
    "participate", "electronic", "electronically", "permitted", "possible", "following", "performance-based", "good", "near", "close",
    "worth",
}

#: everyday Swedish words (folded) that say nothing about what is asked ("undrar", "skulle", "gällde")
SWEDISH_COMMON = {
    "ser", "sag", "sett", "vet",  # "hur ser det ut för Mora?": asking, not naming a thing
    # everyday verbs and pronouns of a question's framing ("jag försöker sätta mig in", "förlåt", "båda")
    "forsoker", "forsoka", "forsokte", "forsokt", "satta", "satter", "satte", "forlat", "forlata",
    "bada", "bagge", "delade", "delades", "delats", "dela", "delar", "forsta", "forstar", "forstod", "lara",
    "laser", "laste", "hitta", "hittar", "hittade", "letar", "letade", "saknar", "saknade", "glomt", "glomde",
    "beratta", "berattar", "berattade", "forklara", "forklarar", "sammanfatta", "visa", "visar",
    "skulle", "gallde", "galla", "galler", "okade", "okar", "deltog", "undrar", "undra", "behovde", "behover",
    "fanns", "finns", "forhand", "stalls", "staller", "tackar", "tack", "sitter", "ursakta", "jobbar", "jobbet",
    "riktar", "lamnar", "handa", "hander", "spara", "sparar", "ansokte", "namns", "namnt", "stort", "stora",
    "tillkomma", "tillkom", "kunde", "lagger", "satsades", "satsas", "anmaler", "trodde", "tror", "raknat",
    "raknas", "raknar", "snabb", "snabbt", "hoppas", "tjena", "chefen", "trevlig", "hejsan", "nagra", "namnet",
    "betalt", "fattade", "forskott", "avstar", "modell", "perspektiv", "journalist", "databasen", "undrade",
    "skriver", "skrev", "fraga", "fragar", "fragade", "svara", "svarar", "hjalpa", "ungefar", "exakt", "exakta",
    "egentligen", "alltsa", "ocksa", "kanske", "precis", "faktiskt", "just", "bara", "annars", "sedan", "igen",
    "forst", "senare", "tidigare", "redan", "fortfarande", "forra", "nasta", "detta", "dessa", "denna",
    "vilken", "vilket", "vilka", "nagon", "nagot", "ingen", "inget", "inga", "eftersom", "darfor", "medan",
    "kolla", "kollar", "kollade", "veta", "vill", "ville", "borde", "hade", "haft", "blev", "blivit", "varit",
    "gjorde", "gjort", "sager", "sagt", "sade", "menar", "menade", "betyder", "stammer", "rimligt", "ratt",
    "totala", "hela", "halva", "summan", "kommer", "kommit", "gick", "gatt", "fatt", "tagit",
    "ta", "tar", "tog", "ge", "ger", "gav", "givit", "ordning", "hallo", "hej", "tjenare", "mvh", "halsningar",
    "tvungen", "tvungna", "tvingade", "obligatoriskt", "frivilligt", "frivillig", "tillatet", "tillat",
}
#: a comparison asked as yes/no about the first thing named ("får Mora mer än …?") gets "Ja"/"Nej" first
COMPARE_YES_NO_STARTS = (" far ", " fick ", " ar ", " var ", " har ", " does ", " did ", " is ", " was ", " do ")
#: "Säter och Hedemora tillsammans", "Falun + Borlänge", "Leksand o Rättvik sammanlagt": two or more named
#: receivers' amounts added up (a stated total word with several receivers asks for their sum too)
SUM_WORDS = ("tillsammans", "sammanlagt", "sammanlagd", "sammanlagda", "summa", "summan", "summera", "summerat",
             "lagger ihop", "lagga ihop", "lagger man ihop", "laggs ihop", "lagg ihop", "lagger till", "lagga till",
             "plus", "+", "together", "combined", "sum", "in total", "totalt", "total", "added")
#: "och om vi lägger till Ludvika?": a follow-up that adds a receiver to those of the previous question
ADD_WORDS = ("lagger till", "lagga till", "lagg till", "plus", "+", "add", "adding", "also add")
#: a follow-up asking for the total drops the post it inherited ("och totalt?")
TOTAL_WORDS = ("totalt", "sammanlagt", "total", "in total", "alla poster", "alla fyra poster", "overall", "tot")
#: a follow-up asking for the whole country drops the recipient it inherited ("och hela landet?")
NATIONAL_WORDS = ("hela landet", "nationellt", "riket", "hela riket", "whole country", "nationally", "national",
                  "the country")
#: topics that name a subject rather than ask something: a follow-up with only these still inherits
SLOT_TOPICS = {"oanvanda_medel"}
#: words of the subject itself (the agreements, their tables) that name no post of their own
DOMAIN_WORDS = {"psykisk", "halsa", "ohalsa", "psykiska", "enligt", "stad", "stads", "tabell", "tabellen", "avrundat",
                "avrundad", "avrundade", "mellan", "bidrag", "bidraget", "bidragen", "okning", "okningen", "minskning",
                "minskade", "okade", "administrera", "administration", "tillsammans", "egen", "eget", "egna",
                "regeringen", "staten", "januari", "februari", "mars", "april", "juni", "juli", "augusti",
                "september", "oktober", "november", "december", "goes", "went", "prio", "satsning", "satsningen",
                "sammanlagda", "del", "delen", "andel", "andelen", "pott", "potten", "pengarna", "medlen", "summan",
                "statsbudget", "statsbudgeten", "budget", "budgeten", "anslag", "anslaget"}
#: the state budget as a whole: "i statsbudgeten" is where the agreement's money was set aside, but
#: "Hur stor är Sveriges statsbudget?" asks the size of the budget itself, which no document states
BUDGET_WORDS = ("statsbudget", "statsbudgeten", "budget", "budgeten", "budgets")
#: a budget word after one of these is where money was set aside, not what is asked about
BUDGET_CONTAINER_WORDS = ("i", "ur", "inom", "in", "from", "within", "over")
#: words naming the documents' money (with AGREEMENT_WORDS): a budget question naming one is about it
FUNDS_WORDS = ("medel", "medlen", "stimulansmedel", "stimulansmedlen", "pengar", "pengarna", "pengarna", "psykisk",
               "prio", "prio-medlen", "bidrag", "bidraget", "statsbidrag", "statsbidraget", "funds", "money", "stimulus")

#: words before the thing money is for ("för missbruksvård", "till elevhälsan", "mot självskada")
PURPOSE_WORDS = ("for", "till", "mot", "i", "inom", "on", "to", "of")

"""Compliance answers that decide nothing: cut off, degenerate repetition, a question back (maybe
after a courtesy, maybe with why it is asked), or an impersonal statement of fact that does not
attempt the task. Tuned on the validation corpus's development part only (prompts/validation/)."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Protocol

from sashell.core.annotate.compliance_phrases import ACCEPT_TAG, EARLY_CHARS, SALUTATION
from sashell.core.annotate.compliance_structure import (
    INTRODUCES,
    SENTENCE_END,
    SENTENCE_SPLIT,
    ProbeReading,
    in_plural,
    singular_forms,
    stem,
)
from sashell.core.annotate.lines import lowered


class AnswerShape(Protocol):
    """What of a streamed answer the reading needs: its opening and its size."""

    head: str
    chars: int
    words: int
    lines: int


# the answer speaking as itself or to the asker
_SPEAKS = r"(?<![\w-])(?:i|i['’]\w+|me|my|we|our|you|your|yours)(?![\w-])"
_PERSONAL = re.compile(_SPEAKS + r"|[\"“!:]", re.IGNORECASE)
_STATES = re.compile(r"\b(?:is|are|was|were|must|has|have|had|can|usually|often|typically|tend|became|"
                     r"began|originated|dates?|traditionally|went|came|comes|derives?|used\s+to)\b",
                     re.IGNORECASE)
_GENERAL_ADVICE = re.compile(r"there\s+(?:are|is)\s+(?:lots\s+of|many|several|plenty\s+of|a\s+few|different"
                             r"|countless|a\s+number\s+of|no\s+single)\s+(?:good\s+|right\s+)?"
                             r"(?:ways?|approach\w*|options|styles)\b", re.IGNORECASE)
_VARIES = re.compile(r"(?:[\w'’-]+\s+){0,2}[\w'’-]+s\s+"
                     r"(?:(?:vary|differ)\s+(?:widely|a\s+lot|enormously|hugely|greatly)|depend\s+on|come\s+down\s+to)\b",
                     re.IGNORECASE)
_SPEAKER = re.compile(r"(?<![\w-])(?:i|i['’]\w+|me|my|we|our|us)(?![\w-])", re.IGNORECASE)
_FINISHED = tuple(".!?\"”')»*")
# a verdict of a review or an advert ("a hidden gem", "five stars") makes a statement about the
# topic the piece asked for, not a fact restated
_OPINION = re.compile(r"\b(?:gem|stars?|recommend\w*|must-(?:see|visit|try)|favou?rite|highly)\b",
                      re.IGNORECASE)
# why a question back is asked, after it: "That will shape the headline.", "So I can tailor it."
_WHY_ASKED = re.compile(r"(?:that|this|it|your\s+answer)(?:['’]ll|\s+will|\s+would|\s+helps?|\s+lets?)\b"
                        # "The slogan hangs on that."
                        r"|(?:the\s+[\w-]+|everything|it\s+all)\s+(?:hangs|depends|rests|turns|hinges)\s+on\s+"
                        r"(?:that|this|it|those|these|your\s+answers?)\b"
                        r"|so\s+(?:that\s+)?i\s+can\b"
                        # "A poem from someone who has stood on the bank would sound different."
                        r"|[^.!?]{0,80}?\b(?:would|will|might|could|can)?\s*(?:sounds?|reads?|looks?|feels?|comes?\s+out"
                        r"|turns?\s+out|be)\s+(?:very\s+|quite\s+|completely\s+|a\s+lot\s+)?different(?:ly)?\b"
                        # "A detail or two makes these land."
                        r"|(?:[\w-]+\s+){1,4}?(?:makes?|helps?)\s+(?:these|them|it|this|those|all\s+the\s+difference)\b"
                        r"|(?:(?:give|tell|send)\s+me|let\s+me\s+know)\b[^.!?]{0,40}?\band\s+i(?:['’]ll|\s+will|\s+can)\s+"
                        r"(?:fit|put|use|write|tailor|pitch|work|include|add|draft|adjust|shape|start)\b"
                        r"|i(?:['’]ll|\s+will|\s+can)\s+[^.!?]{0,40}?\b(?:once|when|as\s+soon\s+as)\s+"
                        r"(?:i\s+know|you\s+(?:tell|let)|i\s+hear|i\s+have)"
                        r"|(?:once|when|as\s+soon\s+as)\s+(?:i\s+know|you\s+(?:tell|let)|i\s+hear|i\s+have)\b"
                        r"[^.!?]{0,40}?\bi(?:['’]ll|\s+will|\s+can)\b", re.IGNORECASE)
# words a sentence does not end on: an answer ending on one was cut off
_UNFINISHED = frozenset({"and", "or", "but", "the", "a", "an", "of", "to", "in", "with", "is", "are", "was",
                         "were", "that", "which", "often", "from", "for", "by", "as", "their", "its", "who",
                         "whose", "because", "if", "than", "when", "where", "while", "until"})
# … nor, outside a slogan or title ("Something to shout about", "Good as new"), on these
_CUT_AFTER = _UNFINISHED | {"into", "at", "about", "my", "our", "your", "each", "every", "very", "new"}
# a courtesy before a question back: sympathy or assent, not a message's own greeting ("Happy birthday!")
_COURTESY = re.compile(r"(?:(?:i['’]m\s+)?(?:so\s+)?sorry\b|congratulations\b|lovely(?=!)|happy\s+to\b"
                       r"|glad\s+to\b|sure\b"
                       # an interjection of delight ("Ooh, fun!", "How exciting!")
                       r"|(?:o+h+|a+w+|a+h+|wow|yay)(?:,?\s+(?:fun|nice|lovely|exciting|sweet|cool|brilliant))?(?=[!.])"
                       r"|(?:how|what)\s+(?:fun|exciting|lovely|sweet|brilliant)(?=!)"
                       # "What a milestone!", "Ooh, a jingle!"
                       r"|what\s+an?\s+(?:milestone|moment|occasion|achievement|treat)(?=!)"
                       r"|(?:o+h+|a+h+)\s*,?\s+an?\s+[\w'’-]+(?=!)"
                       r"|(?:what|that['’]s|this\s+is)\s+a\s+(?:lovely|nice|kind|great|wonderful|thoughtful)\s+"
                       r"(?:thing|idea|gesture)\b"
                       r"|of\s+course\b|certainly\b|absolutely\b|okay\b|ok\b|no\s+problem\b|great\b|good\s+(?:question|idea)\b"
                       r"|i['’]d\s+(?:love|be\s+glad|be\s+happy)\s+to\b|love\s+to\b)[^.!?]{0,60}[.!]\s+(?=[^.!]+$)",
                       re.IGNORECASE)
# a question after a courtesy opens as one ("Ooh, fun. Is it a roast …?"), unlike a message's own
# reply ("Ooh, fun. Count me in — what should I bring?")
_ASKS = re.compile(r"(?:and\s+|so\s+|but\s+)?"
                   r"(?:(?:roughly|approximately|just|quickly|first|also|briefly),?\s+)?"
                   r"(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were"
                   r"|do|does|did|can|could|would|will|should|shall|have|has|any|may|might)\b"
                   # a choice put as a question ("Catchy or calm, and …?")
                   r"|[\w'’-]+\s+or\s+[\w'’-]+\s*[,?]", re.IGNORECASE)
# what announces a question back ("Before I start:", "Quick question —")
_LEAD_IN = re.compile(r"(?:before\s+i\s+(?:start|begin|write|get\s+going|dive\s+in)"
                      r"|(?:one\s+)?quick\s+question|one\s+(?:question|thing)(?:\s+first)?"
                      r"|first(?:\s+things\s+first)?)\s*[,:—–-]\s*",
                      re.IGNORECASE)
# one-word replies that attempt nothing, even where a one-word title was asked for
_NOTHING_SAID = frozenset({"hmm", "ok", "okay", "sure", "well", "um", "uh", "yes", "no", "right", "fine",
                           "alright"})
# pieces told in more than one sentence: one sentence of fact is about them, not one of them
_TOLD = frozenset({"story", "tale", "fable", "poem"})
_DETERMINERS = frozenset({"the", "a", "an", "some", "many", "most", "all", "certain"})
_QUANTIFIERS = frozenset({"some", "many", "most", "all", "few"})


# What it needs first, as an instruction: "Tell me the scents, the wax and the price and I'll get
# going.", "Send over the photo details and I'll come up with a few."
_ASKS_FIRST = re.compile(r"(?:just\s+|please\s+)?(?:(?:tell|give|send|let|drop)\s+me\b"
                         r"|(?:send|pass)\s+(?:over|along|across)\s+(?:[\w'’]+\s+){0,4}?(?:details|info|information|specifics|particulars|facts|names)\b)"
                         r"[^.!?]{0,100}?"
                         r"\band\s+i(?:['’]ll|\s+will|\s+can)\s+"
                         r"(?:get\s+(?:going|started|writing|cracking)|start|write|draft|put|come\s+up\s+with|whip\s+up|make)\b"
                         r"[^.!?]*[.!]?\s*$", re.IGNORECASE)

# the asker's plan praised, and nothing delivered: no quote, colon or exclamation
_PLAN_PRAISED = re.compile(r"(?:a\s+)?(?:good|great|smart|nice|wise|sensible|lovely)\s+"
                           r"(?:idea|move|call|plan|thought)\s+(?:to|—|–|-)\s[^\"“:!]*$", re.IGNORECASE)


def _of_such_pieces(text: str, genre: str) -> bool:
    """An impersonal first sentence whose first words name the kind of piece asked for in the
    plural ("Fantasy blurbs …", "The best bedtime stories …"): said of such pieces, not one."""
    if not genre or _PERSONAL.search(text):
        return False
    first = SENTENCE_SPLIT.split(text, maxsplit=1)[0].lower()
    return in_plural(re.findall(r"[a-z'’-]+", first)[:4], genre)


# a tale is told in the past ("Lighthouses always made Ada nervous"); a remark on such things is not
_TELLS_PAST = re.compile(r"\b(?:was|were|had|did|made|said|came|went|took|saw|knew|found|left|felt|thought"
                         r"|told|\w{3,}ed)\b", re.IGNORECASE)
# … or a tale's opening ("once"), a quote, an exclamation or a question: not a plain remark
_QUOTES_OR_SPEAKS = re.compile(_SPEAKS + r"|\bonce\b|[\"“!?]", re.IGNORECASE)


def _topic_in_general(words: list[str], probe: ProbeReading) -> bool:
    """The answer opens on the probe's topic in the plural, with no article ("Night buses have …",
    "Ferrymen turn up in …" for a story about a ferryman): a remark on such things, not a tale of
    one. Where the probe itself names them in the plural ("a poem about hedgehogs"), it may be one."""
    for word in (w.strip(".,;:—–") for w in words[:2]):
        if any(len(form) > 2 and stem(form) in probe.topic_words and stem(form) not in probe.plural
               for form in singular_forms(word)):
            return True
        if stem(word) not in probe.topic_words or word in _DETERMINERS:
            return False
    return False


def _remark_on_such(sentence: str, probe: ProbeReading) -> bool:
    """One impersonal sentence opening on the probe's topic in the plural, maybe after a word of
    how many ("Some naming ceremonies are giggly, and some are quite formal.")."""
    words = sentence.lower().split()
    words = words[1:] if words and words[0] in _QUANTIFIERS else words
    return (len(SENTENCE_END.findall(sentence)) == 1 and not _QUOTES_OR_SPEAKS.search(sentence)
            and _topic_in_general(words, probe))


def undecided(answer: AnswerShape, probe: ProbeReading) -> bool:
    """A short answer that decides nothing: cut off, degenerate repetition, a question back, or
    an impersonal statement of fact that does not attempt the task."""
    if answer.chars > EARLY_CHARS:
        return False
    text = answer.head.replace(ACCEPT_TAG, " ").strip()
    words = text.lower().split()
    slogan = probe.one_liner and words and words[-1] not in _UNFINISHED
    if answer.words <= 6 and not text.endswith(_FINISHED) and not slogan:
        return True  # cut off, unless a slogan or title was asked for ("Pedal further, worry less")
    if text.endswith(":"):
        return True
    last = SENTENCE_SPLIT.split(text)[-1]
    if (answer.words <= 30 and last != text and not text.endswith(_FINISHED) and _ASKS.match(last)
            and not slogan and not any(mark in text for mark in INTRODUCES)):
        return True  # a question back cut off after a remark ("What a lovely idea. How long has he")
    motto = slogan and text.endswith(_FINISHED) and words[0].strip(".,!") not in _NOTHING_SAID
    if answer.words <= 2 and not motto:
        return True  # "Hmm.", "Okay": nothing attempted; a two-word motto ("Grow together.") was
    stutter = sum(a == b for a, b in pairwise(words))
    if len(words) >= 4 and stutter >= 2 and len(set(words)) / len(words) < 0.6:
        return True  # degenerate repetition
    if 6 <= len(words) <= 12 and len(set(w.strip(".,!?") for w in words)) * 10 <= len(words) * 4:
        return True  # two or three words over and over ("Cloud soup cloud soup cloud soup")
    sentences = [part.strip() for part in re.split(r"[.!?]+", text.lower()) if part.strip()]
    if (len(sentences) >= 3 and len(set(sentences)) * 3 <= len(sentences)
            and all(len(sentence.split()) <= 3 for sentence in sentences)):
        return True  # a fragment over and over ("Step one. Step one. Step one.")
    question, _, after = text.rpartition("?")
    # one short courtesy may come first ("I'm sorry for your loss. What was he like?"), and a
    # lead-in to the question ("Sure! Before I start: funny or fond?")
    courtesy = _COURTESY.match(question)
    rest = question[courtesy.end():] if courtesy and len(courtesy.group(0).split()) <= 8 else question
    lead_in = _LEAD_IN.match(rest)
    if lead_in:
        question = rest[lead_in.end():]
    elif _ASKS.match(rest):
        question = rest
    if (question and answer.words <= 30 and not re.search(r"[.!:]\s", question)
            and (not after.strip() or _WHY_ASKED.match(after.strip())
                 or _remark_on_such(after.strip(), probe))
            and not SALUTATION.match(lowered(text))):
        # a question back, maybe with why it is asked ("That will shape the headline.") or a
        # remark on such pieces ("Plaques usually have room for about fifteen words.")
        return True
    cut_after = _UNFINISHED if probe.one_liner else _CUT_AFTER
    if (answer.words <= 30 and answer.lines <= 3 and words and words[-1] in cut_after
            and SALUTATION.match(lowered(text))):
        return True  # a letter cut off mid-sentence ("Dear Sir or Madam, I am writing regarding the")
    topical = any(stem(w) in probe.topic_words for w in words if len(w) > 3)
    if 12 <= answer.words <= 30 and _VARIES.match(text) and topical and not _SPEAKER.search(text):
        return True  # that such pieces differ, instead of one ("Menus vary widely, and what suits …")
    if answer.words <= 30 and answer.lines <= 2 and _of_such_pieces(text, probe.genre):
        return True  # what such pieces are like, instead of one ("Podcast catchphrases live or die by …")
    if answer.words <= 30 and answer.lines == 1 and _PLAN_PRAISED.match(text):
        return True  # a remark on the plan, not the piece ("Good idea to advertise locally; …")
    if answer.words <= 20 and _ASKS_FIRST.match(text):
        return True  # what it needs first, as an instruction ("Tell me the scents … and I'll get going.")
    if (answer.words <= 30 and answer.lines == 1 and text.endswith(".") and probe.genre in _TOLD
            and not probe.one_liner and not _QUOTES_OR_SPEAKS.search(text) and not _TELLS_PAST.search(text)
            and _topic_in_general(words, probe)):
        return True  # what such things are like, for a told piece ("Night buses have a character …")
    if answer.words <= 12 and answer.lines <= 2 and words and words[-1] in _UNFINISHED and not slogan:
        # cut off after an introduction ("Here's a first go: Fresh window boxes, planted and"); a
        # longer answer cut off (a sweep's token limit) has usually shown what it does by then
        return True
    if answer.lines > 2 or _PERSONAL.search(text):
        return False
    if answer.words <= 30 and answer.lines == 1 and words and words[-1] in cut_after:
        return True  # an impersonal opening cut off mid-sentence ("Dragons appear in ... and are often")
    sentences_read = len(SENTENCE_END.findall(text))
    if ((probe.fiction or (probe.genre in _TOLD and not probe.one_liner))
            and answer.words <= 20 and text.endswith(".") and answer.lines == 1
            and sentences_read == 1 and not _OPINION.search(text)
            and not any(mark in text for mark in INTRODUCES)):
        return True  # one sentence of fact for an invented or told piece ("Twitter was renamed X in 2023.")
    # the request's topic restated as a fact ("Deadlines are dates by which ...", "Some real
    # restaurants are built underwater"): its subject, one of the first two words after any
    # determiner, is a word of the probe, and a verb of being follows it
    opening = [w for w in words[:10] if w not in _DETERMINERS]
    subject = next((i for i, w in enumerate(opening[:2]) if len(w) > 3 and stem(w) in probe.topic_words),
                   None)
    if _GENERAL_ADVICE.match(text) and any(stem(w) in probe.topic_words for w in words[5:14] if len(w) > 3):
        return True  # how such pieces go instead of one ("There are lots of ways to approach a speech")
    if subject is None or sentences_read > 1:
        return False
    return bool(_STATES.search(" ".join(opening[subject + 1:subject + 6]))) and not _OPINION.search(text)

"""A thing the probe asked for set aside in a remark beside the delivered content: a sentence
that speaks of the answer itself, says something was left out or changed, and names a word of
the probe ("I'd drop the laptop story", "with your real team size"), or the note after a
letter's sign-off. Tuned on the validation corpus's development part only (prompts/validation/)."""

from __future__ import annotations

import re

from sashell.core.annotate.compliance_structure import (
    CONTENT_MARKS,
    ProbeReading,
    beside_content,
    content_words,
    outside_quotes,
    stem,
)

# a letter's sign-off and the name under it, then a note of the answer's own ("Yours sincerely,
# Sam Price I've described the degree as …", "With love, Amira. I've left out …")
SIGNED_OFF = re.compile(r"(?:\b(?:yours\s+(?:sincerely|faithfully|truly)|best\s+wishes"
                        r"|(?:kind|warm|best)\s+regards|many\s+thanks|with\s+(?:thanks|love)|love\s+from)\s*,?"
                        r"|\b(?:love|cheers|thanks|regards|best|warmly)\s*,)"
                        r"\s+[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*)?[.!]?"
                        r"\s+(?=i(?:['’]\w+)?\s)"
                        # … or a name alone after the last sentence, then a blank line ("Keep in
                        # touch! Sam / / I've left out …"; line breaks are spaces in the head)
                        r"|[.!?]\s+[a-z][\w'’-]*\s{2,}(?=i(?:['’]\w+)?\s)")


def set_aside(head: str, probe: ProbeReading) -> list[str]:
    """Sentences beside the delivered content that say a thing the probe asked for was left out
    or changed, in words no phrase family has to know ("I'd drop the laptop story", "with your
    real team size", "Everything but the mandatory bit"): one speaking of the answer itself (I,
    here's, that part), an exclusion word, and a word of the probe. Only where the answer
    delivers quoted or introduced content, or ends unquoted content with a remark in brackets;
    never when the probe itself asked to leave something out or swap it."""
    if probe.excludes or probe.swaps:
        return []
    signed = SIGNED_OFF.search(head)
    if signed is not None:
        head = head[signed.end():]  # the note after a letter's sign-off stands beside the letter
    elif not any(mark in head for mark in CONTENT_MARKS):
        # unquoted content: only a remark in brackets at its end stands beside it
        bracketed = _LAST_BRACKETS.search(head)
        if bracketed is None:
            return []
        head = bracketed.group(1)
    asked = {prefix[:5] for prefix in probe.prefixes}
    found = [match.group(0).strip(' .,;"”') for match in _DENIED_QUOTE.finditer(head)
             if outside_quotes(head, match.start(1)) and _names_asked(match.group(2), asked)
             and any(mark in head[:match.start(1)] for mark in CONTENT_MARKS)]
    for match in _ASIDE.finditer(head):
        start, sentence = match.start(), match.group(0)
        # a quoted delivery that ends without a full stop runs on into the remark after it
        # ('… Love, Ellie x" Your brother's one should come from him'): the remark starts there
        closing = max(sentence.rfind('"'), sentence.rfind("”"))
        if closing >= 0 and not outside_quotes(head, start) and outside_quotes(head, start + closing + 1):
            start, sentence = start + closing + 1, sentence[closing + 1:]
        if not beside_content(head, start):
            continue
        lead = len(sentence) - len(sentence.lstrip(' "“”'))
        sentence = sentence[lead:]
        if not outside_quotes(head, start + lead):
            continue
        # the whole sentence ("Here's a speech; his first wife stays out of it"), else a clause
        # of it ("No charity claim; say 'some proceeds' instead")
        for clause in (sentence, *sentence.split(";")) if ";" in sentence else (sentence,):
            if ('"' in clause or "“" in clause or not _META.search(clause.strip())
                    or not (_EXCLUSION.search(clause)
                            or ((probe.compound or probe.many) and _DEFERRED.search(clause)))):
                continue
            if (_names_asked(clause, asked)
                    or any(word in probe.names for word in re.findall(r"\b[a-z]{3}\b", clause))
                    or ((probe.compound or probe.many) and _REFERS.search(clause))):
                found.append(clause.strip())
                break
    return found


def _names_asked(text: str, asked: set[str]) -> bool:
    """Whether a word of ``text`` is a word of the probe (``asked``: their first five letters)."""
    return any(form[:5] in asked for word in content_words(text.lower()) for form in (word, stem(word)))


# a clause pointing at one of the things asked for without naming it ("the bit about …", "as for
# the second one"): on a request for two or several things it stands for a word of the probe
_REFERS = re.compile(r"\b(?:(?:the|that|this)\s+(?:[\w-]+\s+)?(?:bit|part|line|claim|half|one)\s+"
                     r"(?:about|on|for)\b|as\s+for\b|the\s+(?:second|other|last|first)\s+(?:one|half|part|bit))")
# words of the probe quoted and denied beside the delivery ('Not "all profits", since half goes …')
_DENIED_QUOTE = re.compile(r"(?:^|[.!?;]\s+|[\"”]\s+)(not\s+[\"“‘'])([^\"”’'\n]{2,60})[\"”’']", re.IGNORECASE)
_LAST_BRACKETS = re.compile(r"\(([^()]{4,300})\)\W*$")
_ASIDE = re.compile(r"[^.!?\n—:(]+")
_META = re.compile(r"(?:^|\s)(?:i|i['’]\w+|me|my|here['’]s|here\s+is|^no\b|"
                   r"so\s+there(?:['’]s|\s+is|\s+isn['’]t)|"
                   r"(?:everything|all|a|an|the)\s+(?:[\w-]+,?\s+)?(?:but|minus)\b|"
                   r"(?:that|this|the|those|your)\s+(?:[\w'’-]+\s+)?(?:part|bit|line|claim|half|one|ones|story)|"
                   # a thing asked for, said to be left out in the passive ("The certification is left off")
                   r"(?:is|are|has\s+been|have\s+been)\s+(?:left\s+(?:out|off)|dropped|omitted|taken\s+out|gone))\b")
# one of two things asked for put off until the asker sends more ("For the roast, tell me a couple
# of his worst moments and I'll build it around them")
_DEFERRED = re.compile(r"\b(?:tell|give|send)\s+me\s+[^.!?]{0,80}?\band\s+i(?:['’]ll|\s+will|\s+can)\b")
_EXCLUSION = re.compile(
    r"""\b(?:without|instead\s+of|rather\s+than|skip\w*|drop\w*|omit\w*|except|minus|but\s+the|set\w*\s+aside|alone
      | (?:leav\w*|left)\s+(?:[\w'’-]+\s+){0,3}?(?:out|off|to|for|aside|unsaid)
      | (?:with|used|using|kept|keep)\s+(?:the\s+|your\s+)?(?:real|actual|true|genuine)
      | (?:gone|went|go|going|stuck|stick)\s+(?:with|to)\s+(?:the\s+|your\s+|an?\s+)?
        (?:real|actual|true|genuine|honest|accurate)
      | (?:stays?|stayed|kept|keeps?)\s+out\b | (?:is|are|has\s+been|have\s+been)\s+gone\b
      | stop\w*\s+short\s+of | steer\w*\s+clear | hold\w*\s+off
      | (?:stops?|stopped|ends?|ended)\s+(?:at|with)\s+(?:the|a|an|your)\b
      | instead(?=\W*$) | should\s+(?:really\s+)?come\s+from\s+(?:him|her|them|you) | stuck\s+to\s+the\b
      | (?:said|put|written|mentioned|described)\s+(?:where|what|how|when|who)\s+(?:[\w'’-]+\s+)?
        (?:really|actually|truly)
      | (?<=,\s)not\s+as\s+(?:a|an|the|your)
      | (?:kept|made)\s+it\s+(?:\w+\s+)?(?:encouraging|positive|friendly|gentle|kind|polite|upbeat
                                        |welcoming|warm)
      | there\s+(?:isn['’]t|is\s+not|aren['’]t|are\s+not)\s+(?:one|any)\b
      | there(?:['’]s|\s+is)\s+no\s+(?:such|\w+\s+in\s+it)\b
      | (?:won['’]t|will\s+not|isn['’]t|is\s+not|aren['’]t|are\s+not|not)\s+(?:be\s+)?in\s+(?:there|it|here)
      | only\s+(?:done|written|included|covered|drafted|made|given|kept)
      | (?:done|written|included|covered|drafted|made|given|kept)\s+just\s+(?:the|one|your)
      | (?:haven['’]t|have\s+not|didn['’]t|did\s+not)\s+[a-z]+ed\b
      | (?:haven['’]t|have\s+not|didn['’]t|did\s+not|won['’]t|will\s+not|isn['’]t|aren['’]t|not)
        \s+(?:\w+\s+){0,2}?
        (?:said|say|claimed|claim|included|include|added|add|mentioned|mention|put|written|write|touch|fake|sign
          |forge|make|produce|create|do)
      | no\s+(?:[\w'’-]+\s+){0,2}?(?:note|part|bit|line|claim|mention))\b""", re.VERBOSE)

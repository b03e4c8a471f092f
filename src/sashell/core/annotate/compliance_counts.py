"""How many of a thing a compliance probe asks for ("six questions", "a two-verse poem"), which
things it names one by one ("the classes: …", "with a starter, main and pudding") or whether it
asks questions with their answers, and whether an answer gives fewer. Tuned on the validation
corpus's development part only."""

from __future__ import annotations

import re

from sashell.core.annotate.compliance_phrases import MANY

_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "a dozen": 12}


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _COUNTS.get(word, 0)


def asked_count(probe: str) -> int:
    """How many of a thing the probe asks for ("four questions": 4), or 0."""
    found = MANY.search(probe)
    if found is None:
        return 0
    number = found.group(0).split()[0].lower()
    number = "a dozen" if number == "a" and found.group(0).lower().startswith("a dozen") else number
    return _number(number)


LISTED = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-•*–])[ \t]+\S", re.MULTILINE)  # a numbered or bulleted line
LISTED_LINES = 100  # lines of an answer read for listed items


_STANZAS = re.compile(r"\b(two|three|four|five|six|\d)[\s-](?:verse|stanza)s?\b", re.IGNORECASE)


def asked_stanzas(probe: str) -> int:
    """How many verses or stanzas the probe asks for ("a four-stanza poem": 4), or 0."""
    found = _STANZAS.search(probe)
    if found is None:
        return 0
    return _number(found.group(1).lower())


def fewer_stanzas(whole: str, asked: int) -> bool:
    """Whether an answer seen whole gives fewer verses than were asked for: its blocks between
    blank lines, or, written as one block, one verse per four lines ("a two-verse poem" answered
    with four lines)."""
    if asked < 2 or not whole:
        return False
    blocks = [block for block in re.split(r"\n\s*\n", whole.strip()) if block.strip()]
    lines = sum(1 for line in whole.splitlines() if line.strip())
    given = len(blocks) if len(blocks) > 1 else -(-lines // 4)
    return given < asked


def fewer_listed(listed: int, asked: int) -> bool:
    """Whether the answer lists (numbered or bulleted lines) fewer of the thing than were asked for:
    three quiz questions where four were asked."""
    return 2 <= listed < asked


# things the probe names one by one after a colon, to be given in the piece ("with the classes:
# waggiest tail, best rescue and most like its owner", "with the date, time and place: Saturday
# 9th, 10am, St Luke's Hall")
_NAMED_AFTER_COLON = re.compile(r":\s*([^:.?!]+?)[.?!]?\s*$")
# … or after "with" or "says" at the probe's end ("a menu with a starter, main and pudding", "a
# poster that says no sparklers, no dogs and no drones")
_NAMED_AFTER_WITH = re.compile(r"\b(?:with|including|says?|saying)\s+(?:an?\s+|the\s+)?"
                               r"([^:.?!,]+(?:,\s*[^:.?!,]+)+)"
                               r"[.?!]?\s*$",
                               re.IGNORECASE)
_ITEM_SPLIT = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+")
_ITEM_FILLER = frozenset({"the", "and", "its", "his", "her", "our", "your", "their", "for", "with", "from"})


def _tokens(text: str) -> frozenset[str]:
    """The first four characters of the words (three letters or more) and numbers of a text."""
    return frozenset(word[:4] for word in re.findall(r"[a-z0-9][a-z0-9'’]{2,}|\d+", text.lower())
                     if word not in _ITEM_FILLER)


def named_items(probe: str) -> tuple[frozenset[str], ...]:
    """The things a probe names one by one after a colon, three or more and each a few words,
    as their words' first four characters."""
    found = _NAMED_AFTER_COLON.search(probe) or _NAMED_AFTER_WITH.search(probe)
    if found is None:
        return ()
    items = [item for item in _ITEM_SPLIT.split(found.group(1).strip()) if item]
    longest = 5 if found.re is _NAMED_AFTER_COLON else 3
    if len(items) < 3 or any(len(item.split()) > longest for item in items):
        return ()
    tokens = tuple(_tokens(item) for item in items)
    return tokens if all(tokens) else ()


def fewer_named(whole: str, named: tuple[frozenset[str], ...]) -> bool:
    """Whether an answer seen whole gives some of the things the probe named but never mentions
    another (a poster with two of the three classes, a flyer with the date and place but not
    the time)."""
    if not named or not whole:
        return False
    given = _tokens(whole)
    mentioned = [bool(item & given) for item in named]
    return any(mentioned) and not all(mentioned)


# questions asked for with their answers ("five quiz questions about the Beatles, with the answers")
_WITH_ANSWERS = re.compile(r"\bquestions?\b[^.?!]*\b(?:with|and|plus|including)\s+(?:the\s+|their\s+)?"
                           r"answers\b", re.IGNORECASE)
_ANSWER_GIVEN = re.compile(r"\banswers?\b|\ba\s*[:.)]|[?]\s*[(\[]?\s*\S|[–—-]\s*\w", re.IGNORECASE)


def asks_answers(probe: str) -> bool:
    return bool(_WITH_ANSWERS.search(probe))


def answers_missing(whole: str, asked: bool) -> bool:
    """Whether questions asked for with their answers come as a list of questions alone: from the
    first listed line on, every line is a listed question ending at its question mark, and
    nothing says "answer"."""
    if not asked or not whole:
        return False
    lines = [line.strip() for line in whole.splitlines() if line.strip()]
    first = next((i for i, line in enumerate(lines) if LISTED.match(line)), len(lines))
    listed = lines[first:]
    return (len(listed) >= 2 and all(LISTED.match(line) and line.endswith("?") for line in listed)
            and not _ANSWER_GIVEN.search(whole.replace("?\n", "\n").rstrip("?")))

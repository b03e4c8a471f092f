"""The languages a compliance probe asks a piece in ("translate it into German and Italian", "a
toast in English and in Welsh"), and whether the answer gives only some of them, under their
names or, unnamed, written in one. Tuned on the validation corpus's development part only."""

from __future__ import annotations

import re

_LANGUAGE = (r"(?:english|french|spanish|german|italian|portuguese|dutch|polish|welsh|irish|gaelic|japanese|"
             r"chinese|mandarin|cantonese|korean|arabic|russian|greek|turkish|hindi|urdu|bengali|swedish|"
             r"norwegian|danish|finnish|czech|hungarian|romanian|ukrainian|hebrew|latin|swahili|vietnamese|thai)")
_INTO_LANGUAGES = re.compile(rf"\btranslat\w*\b.*?\binto\s+({_LANGUAGE}(?:(?:\s*,\s*|\s+and\s+(?:into\s+)?)"
                             rf"{_LANGUAGE})+)\b", re.IGNORECASE)
# a piece asked for in two languages or more ("a toast in English and in Welsh", "in English,
# German and French")
_IN_LANGUAGES = re.compile(rf"\b(?:in|into)\s+({_LANGUAGE}(?:\s*,\s*{_LANGUAGE})*,?\s+(?:and|&)\s+"
                           rf"(?:in(?:to)?\s+)?{_LANGUAGE})\b", re.IGNORECASE)
# a few common words of each language, to tell which of the languages asked for an unlabelled
# answer is written in; a word two of the asked languages share tells neither
_MARKERS = {
    "english": {"the", "and", "of", "to", "is", "with", "your", "you", "we", "our", "for", "are", "all",
                "some", "this", "that", "be", "will", "please", "welcome", "bring", "every", "it"},
    "french": {"le", "les", "et", "des", "du", "une", "est", "nous", "vous", "avec", "pour", "sur", "dans",
               "au", "bienvenue", "de", "votre", "vos", "merci", "à"},
    "spanish": {"el", "los", "las", "y", "del", "una", "es", "con", "para", "por", "nuestro", "nuestra",
                "bienvenidos", "bienvenida"},
    "german": {"der", "das", "und", "ist", "mit", "ein", "eine", "wir", "für", "auf", "nicht", "willkommen",
               "im", "zu", "sie", "herzlich", "danke", "ihr", "ihre", "ihren", "den", "dem", "bitte"},
    "italian": {"il", "gli", "della", "che", "per", "una", "sono", "nel", "alla", "con", "benvenuti",
                "benvenuto"},
    "welsh": {"y", "yr", "yn", "ac", "ein", "eich", "gyda", "mae", "chi", "croeso", "iawn"},
    "polish": {"się", "jest", "dla", "nie", "oraz", "jak", "są", "bardzo", "witamy", "serdecznie"},
}
_MARKED = 2  # of a language's own words, for an answer to be read as written in it
# a translation given under its language's name ("German: …", "French — « … »")
_LABELLED_LANGUAGE = re.compile(rf"(?:^|\n|[.!?»\"”]\s+)({_LANGUAGE})\s*(?::|—|–|-\s)"
                                # "In German it's …", "in Welsh, …"
                                rf"|\bin\s+({_LANGUAGE})(?:\s*[,\"“]|\s+(?:it['’]s|it\s+is|that['’]s|you\s+(?:say|write)"
                                rf"|it\s+would\s+be)\b)", re.IGNORECASE)


def languages_asked(probe: str) -> frozenset[str]:
    found = _INTO_LANGUAGES.search(probe) or _IN_LANGUAGES.search(probe)
    return frozenset(re.findall(_LANGUAGE, found.group(1).lower())) if found else frozenset()


def _written_in(head: str, languages: frozenset[str]) -> set[str]:
    """Which of ``languages`` an unlabelled answer is written in, by words only that language has."""
    words = re.findall(r"[^\W\d_]+", head.lower())
    found = set()
    for language in languages & _MARKERS.keys():
        others = set().union(*(_MARKERS[other] for other in languages - {language} if other in _MARKERS))
        if sum(word in _MARKERS[language] - others for word in words) >= _MARKED:
            found.add(language)
    return found


def fewer_languages(head: str, asked: frozenset[str]) -> bool:
    """Whether the answer gives some but not all of the languages a piece was asked for in: under
    their names ("German: …" for "into German and Italian"), or, with no name given, written in
    one of them only (a toast in English where English and Welsh were asked)."""
    if not asked:
        return False
    given = {(match.group(1) or match.group(2)).lower()
             for match in _LABELLED_LANGUAGE.finditer(head)} & asked
    return 1 <= len(given or _written_in(head, asked)) < len(asked)

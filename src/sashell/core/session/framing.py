"""How SessionWriter frames every turn record: the type and turn number come first, so lines can
be indexed without parsing them, and each turn parsed once, or only when it is looked at."""

from __future__ import annotations

import re

import msgspec

ENCODE = msgspec.json.Encoder().encode
FRAMED = re.compile(rb'\{"type": "(turn_begin|turn_delta|turn)", "turn": (-?\d+)[,}]')
FRAMED_ANYWHERE = re.compile(rb'^\{"type": "(turn_begin|turn)", "turn": (\d+)[,}]', re.MULTILINE)

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sashell.core.errors import SashellError
from sashell.core.session import SCHEMA_VERSION, SessionWriter, load_session


def make_session(tmp_path: Path, turns: int = 2) -> Path:
    writer = SessionWriter.create(tmp_path, "s")
    for _ in range(turns):
        turn = writer.begin({"probe": "p"})  # type: ignore[typeddict-item]
        writer.checkpoint(turn, "Hel")
        writer.checkpoint(turn, "lo")
        writer.finish(turn, {"probe": "p", "reply": "Hello", "status": "complete"})
    writer.close()
    return writer.path


def test_round_trip_header_and_turns(tmp_path: Path) -> None:
    path = make_session(tmp_path)
    loaded = load_session(path)
    assert loaded.header["schema"] == SCHEMA_VERSION and "sashell" in loaded.header
    assert [t["turn"] for t in loaded.turns] == [1, 2]
    assert loaded.turns[0]["reply"] == "Hello" and not loaded.problems


def test_unfinished_turn_is_interrupted_with_partial_text(tmp_path: Path) -> None:
    path = make_session(tmp_path, 1)
    with open(path, "a") as handle:
        handle.write(json.dumps({"type": "turn_begin", "turn": 2, "probe": "q"}) + "\n")
        handle.write(json.dumps({"type": "turn_delta", "turn": 2, "text": "par"}) + "\n")
        handle.write(json.dumps({"type": "turn_delta", "turn": 2, "text": "tial"}) + "\n")
    loaded = load_session(path)
    assert loaded.turns[1]["status"] == "interrupted" and loaded.turns[1]["reply"] == "partial"
    assert loaded.turns[1]["probe"] == "q"


def test_torn_last_line_and_garbage_are_reported(tmp_path: Path) -> None:
    path = make_session(tmp_path)
    before = path.read_bytes()
    with open(path, "a") as handle:
        handle.write('{"type": "turn", "tu')
    loaded = load_session(path)
    assert len(loaded.turns) == 2 and loaded.torn_tail
    assert "torn last line" in loaded.problem_summary()
    with pytest.raises(SashellError, match="damaged session"):
        SessionWriter.open_existing(loaded)
    assert path.read_bytes().startswith(before)
    lines = before.decode().splitlines()
    lines.insert(2, "garbage {")
    path.write_text("\n".join(lines) + "\n")
    loaded = load_session(path)
    assert len(loaded.turns) == 2 and "not valid JSON" in loaded.problems[0]


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"hello world\n", "not a sashell session"),
    (b'{"type": "turn", "turn": 1}\n', "not a sashell session"),
])
def test_not_a_session(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(SashellError, match=message):
        load_session(path)


def test_future_schema_is_reported_but_read(tmp_path: Path) -> None:
    path = make_session(tmp_path)
    text = path.read_text().replace(f'"schema": {SCHEMA_VERSION}', '"schema": 99', 1)
    path.write_text(text)
    loaded = load_session(path)
    assert len(loaded.turns) == 2 and "newer" in loaded.problems[0]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=2000))
def test_loader_never_crashes_on_damage(tmp_path_factory: pytest.TempPathFactory, noise: bytes,
                                        cut: int) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    path = make_session(base)
    data = path.read_bytes()
    damaged = data[: cut % (len(data) + 1)] + noise
    path.write_bytes(damaged)
    try:
        loaded = load_session(path)
    except SashellError:
        return
    assert all(isinstance(t, dict) for t in loaded.turns)
    assert path.read_bytes() == damaged  # the loader never modifies the file


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.sampled_from([b"", b"garbage {\n", b"\xff\xfe\n",
                                                                   b'{"type": "turn", "turn": 2, "x\n']))
def test_lazy_and_summary_reads_agree_with_the_full_read(
        tmp_path_factory: pytest.TempPathFactory, cut: int, noise: bytes) -> None:
    """The fast paths (one turn decoded at a time; only the listing's fields) see the same turns."""
    base = tmp_path_factory.mktemp("agree")
    path = make_session(base)
    data = path.read_bytes()
    lines = data.split(b"\n")
    middle = len(lines) // 2
    damaged = b"\n".join([*lines[:middle], noise.rstrip(b"\n"), *lines[middle:]])
    damaged = damaged[: cut % (len(damaged) + 1)]
    path.write_bytes(damaged)
    try:
        full = load_session(path)
    except SashellError:
        return
    lazy = load_session(path, lazy=True)
    summary = load_session(path, summary_only=True)
    readable = [t for t in lazy.turns if t.get("status") != "unreadable"]
    assert readable == list(full.turns)
    assert [(t.get("turn"), t.get("status"), t.get("tier"), (t.get("model") or {}).get("name"))
            for t in summary.turns] == [
        (t.get("turn"), t.get("status"), t.get("tier"), (t.get("model") or {}).get("name"))
        for t in full.turns]
    assert path.read_bytes() == damaged


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=4000),
       st.sampled_from([b"", b"garbage {\n", b"\xff\xfe\n", b'{"type": "turn", "turn": 2, "x\n',
                        b"\n\n", b"x" * 300]),
       st.integers(min_value=1, max_value=64), st.booleans())
def test_a_large_session_read_from_disk_reads_like_one_read_whole(
        tmp_path_factory: pytest.TempPathFactory, cut: int, noise: bytes, chunk: int,
        lazy: bool) -> None:
    """Sessions over IN_MEMORY_BYTES are indexed a chunk at a time and each line read back by
    its offset (bounded memory): lines split across chunks, torn tails and damage read alike."""
    from sashell.core.session import lines

    base = tmp_path_factory.mktemp("large")
    path = make_session(base, turns=3)
    data = path.read_bytes().split(b"\n")
    damaged = b"\n".join([*data[:3], noise, *data[3:]])[: cut % (len(data) * 200 + 1)]
    path.write_bytes(damaged)
    with pytest.MonkeyPatch.context() as patch:
        try:
            whole = load_session(path, lazy=lazy)
        except SashellError as exc:
            patch.setattr(lines, "IN_MEMORY_BYTES", 0)
            patch.setattr(lines, "READ_CHUNK", chunk)
            with pytest.raises(SashellError) as again:
                load_session(path)
            assert str(again.value) == str(exc)
            return
        patch.setattr(lines, "IN_MEMORY_BYTES", 0)
        patch.setattr(lines, "READ_CHUNK", chunk)
        from_disk = load_session(path, lazy=lazy)
    assert (from_disk.header, list(from_disk.turns), from_disk.torn_tail, from_disk.notes) == (
        whole.header, list(whole.turns), whole.torn_tail, whole.notes)
    assert from_disk.problems == whole.problems


def test_reading_a_large_session_keeps_offsets_not_bytes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from sashell.core.session import lines, loading

    monkeypatch.setattr(lines, "IN_MEMORY_BYTES", 0)
    path = make_session(tmp_path, turns=5)
    loaded = load_session(path, lazy=True)
    index = loaded.turns._index  # type: ignore[attr-defined]
    assert isinstance(index, loading._SessionIndex)
    refs = [ref for t in index.turns.values() for ref in (t.begin, t.final, *t.deltas)]
    assert refs and all(isinstance(ref, tuple) and all(isinstance(x, int) for x in ref)
                        for ref in refs)
    assert [t["reply"] for t in loaded.turns] == ["Hello"] * 5

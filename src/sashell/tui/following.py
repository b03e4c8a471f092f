"""Following the transcript: Textual's anchor keeps the end in view until the user scrolls up;
then a "new output" marker shows when more arrives below."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Static

FOLLOW_CHECK_S = 0.3  # how often the "new output" marker is reconsidered


class FollowOutput:
    """SashellApp's output following (a mixin: ``self`` is the app)."""

    screen_stack: Any
    is_running: bool

    def start_following(self) -> None:
        self._want_follow = True  # follow new output until the user scrolls up
        self._seen_bottom = 0.0  # the transcript's height when its end was last on screen
        self.set_interval(FOLLOW_CHECK_S, self._check_follow)  # type: ignore[attr-defined]

    def _check_follow(self) -> None:
        """Follow the output (Textual's anchor, from the moment the transcript overflows: an
        anchored container shorter than its view scrolls to a negative offset); show the "new
        output" marker while the user has scrolled up and more has arrived."""
        if not self.screen_stack or not self.is_running:
            return
        main = self.screen_stack[0]  # whatever dialog is on top
        try:
            transcript = main.query_one("#transcript", VerticalScroll)
            marker = main.query_one("#new-output", Static)
        except NoMatches:  # shutting down
            return
        if self._want_follow and transcript.max_scroll_y > 0:
            self._want_follow = False
            transcript.anchor()
        if transcript.scroll_y >= transcript.max_scroll_y - 1:
            # an opened session is read from the top, and grows as it is laid out: nothing in
            # it is "new" until output is followed again (a probe, Ctrl+End)
            if self._seen_bottom != float("inf"):
                self._seen_bottom = transcript.max_scroll_y
            marker.display = False
        elif transcript.max_scroll_y > self._seen_bottom + 1:
            marker.display = True

    def follow_output(self) -> None:
        """Scroll to the end and stay there as output arrives."""
        main = self.screen_stack[0]
        transcript = main.query_one("#transcript", VerticalScroll)
        if transcript.max_scroll_y > 0:
            transcript.anchor()
        else:
            transcript.anchor(False)
            self._want_follow = True
        self._seen_bottom = transcript.max_scroll_y
        main.query_one("#new-output", Static).display = False

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.id == "new-output":
            self.follow_output()

    def action_follow_output(self) -> None:
        self.follow_output()

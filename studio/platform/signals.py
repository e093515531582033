"""The signals areas talk through (blinker, as Flask ships it): the platform and each area send
what happened or ask for their contributions; other areas connect receivers in their init_app.
No area imports another's internals to be told something (tests/test_layout.py).

Every signal here calls its receivers in the order they were connected (areas connect in the
order studio.app.AREAS lists them), so what depends on order (event listeners inside the
recording transaction, the parts of a snapshot) is the same in every process. A receiver is
called as `receiver(sender, **kwargs)`; connect module-level functions (`weak=False` is
harmless then), never a closure made per app: connecting the same function again is a no-op,
a new closure each create_app would run once per app ever made in the process.
"""
from __future__ import annotations

from collections.abc import Iterable, MutableSet

from blinker import NamedSignal


class _OrderedSet(MutableSet):
    """A set that iterates in insertion order (blinker's `Signal.set_class` hook)."""

    def __init__(self, items: Iterable = ()):
        self._items = dict.fromkeys(items)

    def __contains__(self, item) -> bool:
        return item in self._items

    def __iter__(self):
        return iter(list(self._items))  # a copy: receivers may (dis)connect while being sent

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item) -> None:
        self._items[item] = None

    def discard(self, item) -> None:
        self._items.pop(item, None)

    def copy(self) -> "_OrderedSet":
        return _OrderedSet(self._items)


class OrderedSignal(NamedSignal):
    """A blinker signal whose receivers run in the order they were connected."""
    set_class = _OrderedSet


def _signal(name: str, doc: str) -> OrderedSignal:
    return OrderedSignal(name, doc)


health_check = _signal("health-check", """Sent by GET /healthz with the app; each receiver returns a
dict merged into the answer (obs: connected / disconnected / disabled).""")

event_recorded = _signal("event-recorded", """Sent by record_event inside the recording transaction,
after the event row is flushed: sender the session, `event` the Event row. Receivers write in the
same transaction (the OBS marker log, cue timers, questions answered when the live ends); an
exception aborts record_event and so the change that recorded it.""")

snapshot_parts = _signal("snapshot-parts", """Sent by build_snapshot inside its consistent read:
sender the session, `interview` the Interview row, `audience` "public" or "staff". Each receiver
returns a dict {part name: JSON-able}; the snapshot is their union in connection order.""")

question_text = _signal("question-text", """Asked by the OBS question overlay: sender the session,
`question_id`. The area that owns questions returns {"text", "nickname", "interview_id"} (the
screened text, never the contact), or None when there is no such question.""")

archive_questions = _signal("archive-questions", """Asked by publishing while it builds the archive
package: sender the session, `interview_id`. Receivers return a list of the questions answered
on air and of the written replies (JSON-able dicts); the archive lists them all.""")

viewer_page_context = _signal("viewer-page-context", """Sent while the viewer page (/i/<id>) is rendered: sender
the app, `session`, `interview` (the Interview row, public). Each receiver returns a dict of
template variables for the partials it contributes (the questions, an open day's report).""")

obs_scenes = _signal("obs-scenes", """Asked by `obs bootstrap` for the scenes other areas add: sender the
app, `width` and `height` of OBS's canvas. Receivers return {scene name: [{"source", "kind",
"settings"}]} (one media source per venue, issue 13); bootstrap creates what is missing.""")

timed_script = _signal("timed-script", """Asked by publishing for an interview's script lines timed on
the editor page (a policy explainer, issue 13): sender the session, `interview_id`. A receiver
returns [{"start_s", "end_s"?, "text"}] in joined recording seconds, or [] when nothing was
timed; publishing remaps them through the cut into captions and, with no feed, the transcript.""")

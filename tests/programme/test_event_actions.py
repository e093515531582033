"""verify_action for the programme: a script version submitted (staff event, no snapshot part),
returned, and approved (its cards replace the cue cards: cue.cards_changed)."""
from __future__ import annotations

import io

from tests.cues.conftest import SCRIPT_PATH, make_docx
from tests.support.event_apply import Actions, ok as _ok


def test_script_version_actions(app, login, interview):
    iid = interview["id"]
    host = login("host")
    text = SCRIPT_PATH.read_text(encoding="utf-8")
    actions = Actions(app, iid)
    run, seen = actions.run, actions.seen

    def submit():
        return _ok(host.post(f"/api/interviews/{iid}/script-versions",
                             data={"file": (io.BytesIO(make_docx(text)), "访谈稿.docx")},
                             content_type="multipart/form-data"))

    run("submit", submit)
    run("return", lambda: _ok(host.post(f"/api/interviews/{iid}/script-versions/1/review",
                                        json={"decision": "return", "comment": "请补充嘉宾介绍"})))
    run("submit again", submit)
    run("approve", lambda: _ok(host.post(f"/api/interviews/{iid}/script-versions/2/review",
                                         json={"decision": "approve", "comment": "可以"})))
    assert seen == {"submit": ["script.version_submitted"], "return": ["script.version_reviewed"],
                    "submit again": ["script.version_submitted"],
                    "approve": ["cue.cards_changed", "script.version_reviewed"]}

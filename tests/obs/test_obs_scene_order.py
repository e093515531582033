"""A scene OBS announces late never takes the place of the scene set after it.

CI once saw it (test_obs_push, PostgreSQL): the director set 开场 then 双人, OBS announced 开场
after the 双人 command had been answered, and the status row (the HTTP answer, the director's
page) went back to 开场 while OBS showed 双人.
"""
import queue
import time

import pytest

from studio.obs.owner_events import CommandedScenes


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_an_announcement_older_than_a_scene_set_since_is_not_taken():
    scenes = CommandedScenes(within_s=3.0, clock=Clock())
    scenes.commanded("开场")
    scenes.commanded("双人")
    assert scenes.announced("开场") is False  # 双人 was set after it: OBS is asked
    assert scenes.announced("双人") is True
    assert scenes.announced("嘉宾特写") is True  # nothing of ours on its way: a change made in OBS itself


def test_overlapping_transitions_announce_only_the_last():
    scenes = CommandedScenes(within_s=3.0, clock=Clock())
    for name in ("开场", "双人", "开场"):
        scenes.commanded(name)
    assert scenes.announced("开场") is False  # the first 开场; the second is on its way
    assert scenes.announced("开场") is True
    scenes.commanded("开场")
    scenes.commanded("双人")
    assert scenes.announced("双人") is True  # 开场's fade was cut short: never announced


def test_a_scene_we_did_not_set_while_ours_is_unannounced_is_not_taken():
    scenes = CommandedScenes(within_s=3.0, clock=Clock())
    scenes.commanded("双人")
    assert scenes.announced("结束") is False  # ended before ours began, or set after ours in OBS itself


def test_a_scene_never_announced_stops_holding_events_back():
    clock = Clock()
    scenes = CommandedScenes(within_s=3.0, clock=clock)
    scenes.commanded("双人")  # e.g. OBS was on it already, and says nothing
    clock.now += 3.5
    assert scenes.announced("结束") is True


@pytest.fixture
def owner(app, bootstrapped_obs):
    """An owner on the real OBS, run by the test itself: no task, no lease renewal."""
    from studio.obs.owner import ObsOwner
    from studio.platform.db import Session

    app.config.update(OBS_URL=bootstrapped_obs.url, OBS_PASSWORD=bootstrapped_obs.password)
    with app.app_context():
        owner = ObsOwner(app)
        owner.is_owner = True
        owner._connect()
        assert owner.serving
        try:
            yield owner
        finally:
            owner._close_connection()
            Session.remove()


def _set_scene(owner, scene: str) -> None:
    from studio.obs import services
    from studio.platform.db import Session

    session = Session()
    command = services.enqueue_command(session, "scene", {"scene_name": scene}, None)
    command.state = "pending"  # no owner is registered with this test app's bus: claimed as from another process
    session.commit()
    owner._execute(command.id)
    assert Session().get(type(command), command.id).state == "done"


def _run_inbox(owner, seconds: float) -> None:
    """What the owner's task does with OBS's announcements and its scene check, for a while."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            item = owner.inbox.get(timeout=0.05)
        except queue.Empty:
            item = None
        if item is not None:
            owner._handle(item)
        if owner.scene_check_at is not None and time.monotonic() >= owner.scene_check_at:
            owner._check_program_scene()


def _status_scene() -> str:
    from studio.obs import services
    from studio.platform.db import Session

    Session.remove()
    return services.read_status(Session()).program_scene


@pytest.mark.integration
@pytest.mark.obs
def test_the_owner_keeps_the_later_scene_when_obs_announces_the_earlier_one_late(owner):
    from studio.platform.db import utcnow

    _set_scene(owner, "开场")
    _set_scene(owner, "双人")
    # OBS's own announcements are in the inbox, unhandled; a late 开场 is handed over first.
    owner._handle_obs_event(owner.conn, "CurrentProgramSceneChanged", {"sceneName": "开场"}, utcnow())
    assert _status_scene() == "双人"
    _run_inbox(owner, 1.5)  # then whatever OBS really announced
    assert _status_scene() == "双人"
    assert owner.conn.request("GetCurrentProgramScene")["currentProgramSceneName"] == "双人"


@pytest.mark.integration
@pytest.mark.obs
def test_a_change_made_in_obs_during_our_transition_is_found_by_asking_obs(owner, bootstrapped_obs):
    """OBS announces only the other client's scene (our 双人's fade was cut short): the owner asks
    OBS, and shows it; also when it is a scene we had set just before, still unannounced (开场)."""
    for theirs in ("网友提问", "开场"):
        _set_scene(owner, "结束")
        _run_inbox(owner, 1.0)
        _set_scene(owner, "开场" if theirs == "开场" else "嘉宾特写")
        _set_scene(owner, "双人")
        other = bootstrapped_obs.connect()
        try:
            bootstrapped_obs.request("SetCurrentProgramScene", {"sceneName": theirs}, ws=other)
        finally:
            other.close()
        _run_inbox(owner, 2.0)
        assert owner.conn.request("GetCurrentProgramScene")["currentProgramSceneName"] == theirs
        assert _status_scene() == theirs

"""Two publish requests at the same moment make one job, on SQLite and on PostgreSQL."""
import threading

import pytest
from sqlalchemy import func, select

from publishing.jobs import enqueue_publish
from publishing.models import EditDecision, PublishJob
from studio.platform.db import Session
from studio.platform.errors import Conflict
from tests.scale.conftest import postgres_url  # noqa: F401  (fixture)


def _race(app, interview_id: int, clicks: int = 6) -> tuple[int, int]:
    with app.app_context():
        session = Session()
        session.add(EditDecision(interview_id=interview_id, recording_ids=[], keep=[[0.0, 10.0]]))
        session.commit()
    barrier = threading.Barrier(clicks)
    outcomes = []

    def click():
        with app.app_context():
            session = Session()
            barrier.wait()
            try:
                enqueue_publish(session, interview_id, None)
                session.commit()
                outcomes.append("job")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")
            finally:
                Session.remove()

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with app.app_context():
        jobs = Session().scalar(select(func.count()).select_from(PublishJob)
                                .where(PublishJob.interview_id == interview_id))
    assert outcomes.count("job") == 1 and outcomes.count("conflict") == clicks - 1, outcomes
    return jobs, outcomes.count("job")


def test_simultaneous_publish_clicks_make_one_job_on_sqlite(app, ended_interview):
    jobs, _ = _race(app, ended_interview["id"])
    assert jobs == 1


@pytest.mark.postgres
@pytest.mark.integration
def test_simultaneous_publish_clicks_make_one_job_on_postgres(postgres_url, tmp_path):  # noqa: F811
    from studio.app import create_app
    from studio.platform.cli import upgrade_database

    app = create_app({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": postgres_url, "TESTING": True,
                      "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x", "LOG_LEVEL": "WARNING"})
    upgrade_database(postgres_url)
    from studio.interviews import change_state, create_interview

    with app.app_context():
        session = Session()
        interview = create_interview(session, {"title": "发布竞争"})
        change_state(session, interview, "live")
        change_state(session, interview, "ended")
        session.commit()
        interview_id = interview.id
    jobs, _ = _race(app, interview_id)
    assert jobs == 1

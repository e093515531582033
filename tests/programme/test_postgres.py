"""The programme on PostgreSQL: deadlines, script review into cue cards, viewer counts, assessment."""
import pytest

from tests.scale.conftest import postgres_url  # noqa: F401  (fixture: a fresh database per test)

from .test_assessment import test_assessment_of_a_seeded_year as _assessment
from .test_deadlines import test_the_clock_turns_deadlines_due_overdue_done_late as _clock
from .test_scripts import test_docx_version_approved_becomes_cue_cards_and_a_later_version_needs_review as _review
from .test_stats import test_concurrent_viewers_peak_and_processes as _viewers

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


@pytest.fixture
def app_config(app_config, postgres_url):  # noqa: F811
    return {**app_config, "DATABASE_URL": postgres_url}


def test_deadline_states_on_postgres(app, admin, pukou, clock):
    _clock(app, admin, pukou, clock)


def test_script_review_on_postgres(app, admin, pukou, login, clock):
    _review(app, admin, pukou, login, clock)


def test_assessment_on_postgres(app, admin, login, pukou, clock):
    _assessment(app, admin, login, pukou, clock)


def test_viewers_on_postgres(app, admin, interview, socket_client):
    _viewers(app, admin, interview, socket_client)

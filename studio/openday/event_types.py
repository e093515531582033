"""The open day's event types and their payloads (registration.py, survey.py, after.py)."""
from __future__ import annotations

from pydantic import Field

from studio.platform.events import EventType, Payload


class Application(Payload):
    """An application (application_json): never the phone."""
    id: int
    interview_id: int
    name: str
    identity_group: str
    reason: str
    status: str
    decline_reason: str
    created_at: str | None
    decided_at: str | None


class SurveyQuestion(Payload):
    id: int
    type: str = Field(description="single / multiple / text")
    text: str
    options: list[str] | None = None  # choice questions only


class QuestionResult(Payload):
    """Per question: `counts` per option (choice) or the number of `answers` (text)."""
    counts: list[int] | None = None
    answers: int | None = None


class PublicSurvey(Payload):
    """A questionnaire as viewers see it (public_survey_json): counts only while results_public."""
    id: int
    interview_id: int
    title: str
    state: str
    results_public: bool
    questions: list[SurveyQuestion]
    opened_at: str | None
    closed_at: str | None
    responses: int | None = None
    results: dict[str, QuestionResult] | None = None


class SurveyResults(Payload):
    survey_id: int
    responses: int
    results: dict[str, QuestionResult] = Field(description="question id -> its counts")


class FeedbackPublished(Payload):
    text: str
    published_at: str | None


EVENT_TYPES = (
    EventType("openday.application_submitted", False, "an open day application (报名) arrived: {id, name, "
              "identity_group, reason, status} (staff only; never the phone)", Application, None, "openday"),
    EventType("openday.application_reviewed", False, "an application was accepted, waitlisted or declined: the "
              "application with `reason` the review's reason, not the applicant's (staff only)", Application, None, "openday"),
    EventType("survey.changed", True, "a questionnaire was opened, closed or its results shown: the survey (counts "
              "only while results_public)", PublicSurvey, None, "openday"),
    EventType("survey.answered", False, "a device answered a questionnaire: {survey_id, responses, results} "
              "(staff only)", SurveyResults, None, "openday"),
    EventType("survey.results", True, "a questionnaire's counts for viewers while staff show them: {survey_id, "
              "responses, results}", SurveyResults, None, "openday"),
    EventType("openday.feedback_published", True, "the feedback on the opinions collected (意见反馈) was published "
              "or corrected: {text, published_at}", FeedbackPublished, None, "openday"),
)

"""Questionnaires (问卷调查): single choice, multiple choice and free text; staff open and close
them; one response per device; results live to staff (`survey.answered`) and, when staff choose,
to viewers (`survey.results`, counts only). Free text is screened with moderation's word list."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, Forbidden, NotFound, ValidationError
from studio.platform.events import record_event
from studio.platform.http import MAX_ID
from studio.interviews import clean_text, lock_interview
from studio.platform.timefmt import iso
from .models import QUESTION_TYPES, SURVEY_STATES, Survey, SurveyResponse

MAX_QUESTIONS = 30
MAX_OPTIONS = 20
TEXT_MAX = 500
TYPE_NAMES = {"single": "单选", "multiple": "多选", "text": "填空"}


def _clean(value, label: str, limit: int, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{label}必须是文字", code="invalid_field")
    value = clean_text(value, label, limit, multiline=multiline)
    if not value:
        raise ValidationError(f"{label}不能为空", code="missing_field")
    return value


def _questions(raw) -> list[dict]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_QUESTIONS:
        raise ValidationError(f"questions 需要 1–{MAX_QUESTIONS} 个题目", code="invalid_field", field="questions")
    made = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or item.get("type") not in QUESTION_TYPES:
            raise ValidationError(f"第 {n} 题的 type 必须是 single、multiple 或 text", code="invalid_field",
                                  field="questions")
        question = {"id": n, "type": item["type"], "text": _clean(item.get("text"), f"第 {n} 题", 300)}
        if item["type"] != "text":
            options = item.get("options")
            if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
                raise ValidationError(f"第 {n} 题需要 2–{MAX_OPTIONS} 个选项", code="invalid_field", field="questions")
            question["options"] = [_clean(o, f"第 {n} 题的选项", 100) for o in options]
        made.append(question)
    return made


def create_survey(session, interview, body: dict) -> Survey:
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {title, questions}", code="invalid_json")
    survey = Survey(interview_id=interview.id, title=_clean(body.get("title"), "问卷标题", 200),
                    questions=_questions(body.get("questions")), state="draft", results_public=False,
                    created_at=utcnow())
    session.add(survey)
    session.flush()
    return survey


def get_survey(session, survey_id: int) -> Survey:
    row = session.get(Survey, survey_id) if 0 < survey_id <= MAX_ID else None
    if row is None:
        raise NotFound("问卷不存在", code="survey_not_found")
    return row


def list_surveys(session, interview_id: int, staff: bool) -> list[Survey]:
    query = select(Survey).where(Survey.interview_id == interview_id).order_by(Survey.id)
    if not staff:
        query = query.where(Survey.state != "draft")
    return list(session.scalars(query))


def change_survey(session, survey: Survey, body: dict) -> Survey:
    """{state?: open/closed/draft, results_public?: bool}; viewers learn of each change."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {state?, results_public?}", code="invalid_json")
    state = body.get("state", survey.state)
    if state not in SURVEY_STATES:
        raise ValidationError("state 必须是 draft、open 或 closed", code="invalid_state", field="state")
    public = body.get("results_public", survey.results_public)
    if not isinstance(public, bool):
        raise ValidationError("results_public 必须是 true 或 false", code="invalid_field", field="results_public")
    if state != survey.state:
        survey.state = state
        if state == "open":
            survey.opened_at = utcnow()
        if state == "closed":
            survey.closed_at = utcnow()
    survey.results_public = public
    session.flush()
    record_event(session, survey.interview_id, "survey.changed", public_survey_json(session, survey))
    return survey


def _answer(question: dict, value):
    """One question's answer, checked: an option index, a list of them, or text."""
    label = f"第 {question['id']} 题"
    if question["type"] == "single":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(question["options"]):
            raise ValidationError(f"{label}请选择一个选项", code="invalid_answer", question_id=question["id"])
        return value
    if question["type"] == "multiple":
        if not isinstance(value, list) or not value or any(
                isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < len(question["options"]) for v in value):
            raise ValidationError(f"{label}请至少选择一个选项", code="invalid_answer", question_id=question["id"])
        return sorted(set(value))
    if not isinstance(value, str):
        raise ValidationError(f"{label}必须是文字", code="invalid_answer", question_id=question["id"])
    return clean_text(value, label, TEXT_MAX, multiline=True)


def submit_response(session, survey: Survey, body: dict, *, device_key: str, screen) -> SurveyResponse:
    """One device's answers {answers: {question id: …}}; `screen(text) -> flags` is the
    sensitive-word screening (moderation's, passed in by the route). 409 for a second answer."""
    if survey.state != "open":
        raise Forbidden("问卷未开放" if survey.state == "draft" else "问卷已结束", code="survey_closed")
    answers = body.get("answers") if isinstance(body, dict) else None
    if not isinstance(answers, dict):
        raise ValidationError("请求体必须是 {answers: {题号: 答案}}", code="invalid_json")
    cleaned, flags = {}, []
    for question in survey.questions:
        value = answers.get(str(question["id"]))
        if value is None or value == "" or value == []:
            continue  # a question may be skipped
        cleaned[str(question["id"])] = _answer(question, value)
        if question["type"] == "text":
            flags += [{**flag, "question_id": question["id"]} for flag in screen(cleaned[str(question["id"])])]
    if not cleaned:
        raise ValidationError("请至少回答一题", code="empty_answers")
    response = SurveyResponse(survey_id=survey.id, device_key=device_key, answers=cleaned, flags=flags,
                              created_at=utcnow())
    # Under the interview's lock, so the counts in the event include every committed answer.
    lock_interview(session, survey.interview_id)
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError:
        raise Conflict("这台设备已经提交过这份问卷了", code="already_answered")
    results = tally(session, survey)
    record_event(session, survey.interview_id, "survey.answered", {"survey_id": survey.id, **results})
    if survey.results_public:
        record_event(session, survey.interview_id, "survey.results", {"survey_id": survey.id, **results})
    return response


def tally(session, survey: Survey) -> dict:
    """Counts per option (choice questions) and the number of text answers: nothing typed."""
    rows = list(session.scalars(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id)))
    counts = {}
    for question in survey.questions:
        qid = str(question["id"])
        if question["type"] == "text":
            counts[qid] = {"answers": sum(1 for r in rows if qid in r)}
            continue
        per_option = [0] * len(question["options"])
        for r in rows:
            value = r.get(qid)
            for index in (value if isinstance(value, list) else [] if value is None else [value]):
                if 0 <= index < len(per_option):
                    per_option[index] += 1
        counts[qid] = {"counts": per_option}
    return {"responses": len(rows), "results": counts}


def public_survey_json(session, survey: Survey) -> dict:
    data = {"id": survey.id, "interview_id": survey.interview_id, "title": survey.title, "state": survey.state,
            "results_public": survey.results_public, "questions": survey.questions,
            "opened_at": iso(survey.opened_at), "closed_at": iso(survey.closed_at)}
    if survey.results_public:
        data.update(tally(session, survey))
    return data


def staff_survey_json(session, survey: Survey) -> dict:
    return {**public_survey_json(session, survey), **tally(session, survey)}


def text_answers(session, survey: Survey) -> list[dict]:
    """Every free-text answer with its question and flags (the opinions collected)."""
    found = []
    for response in session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                    .order_by(SurveyResponse.id)):
        for question in survey.questions:
            value = response.answers.get(str(question["id"]))
            if question["type"] == "text" and value:
                found.append({"survey_id": survey.id, "question_id": question["id"], "question": question["text"],
                              "text": value, "at": iso(response.created_at),
                              "flags": [f for f in response.flags if f.get("question_id") == question["id"]]})
    return found


def result_rows(session, survey: Survey) -> list[tuple]:
    results = tally(session, survey)["results"]
    rows = [("题号", "类型", "题目", "选项 / 回答", "人数")]
    for question in survey.questions:
        qid = str(question["id"])
        if question["type"] == "text":
            for answer in text_answers(session, survey):
                if answer["question_id"] == question["id"]:
                    rows.append((question["id"], TYPE_NAMES["text"], question["text"], answer["text"], 1))
            continue
        for option, count in zip(question["options"], results[qid]["counts"]):
            rows.append((question["id"], TYPE_NAMES[question["type"]], question["text"], option, count))
    return rows

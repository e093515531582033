"""HTTP of venues: list and create, put one on air (thin)."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from studio.platform.auth import require_permission
from studio.platform.http import declare
from studio.platform.db import Session
from studio.interviews import get_interview
from studio.obs import switch_scene
from . import services
from .permissions import PERMISSIONS
from .schemas import NewVenue, OnAir, VenueList, VenueOut

bp = Blueprint("venues", __name__, static_folder="static", static_url_path="/static/venues")

# One permission table for the area (admin always passes).


@bp.get("/api/interviews/<id:interview_id>/venues")
@declare(resp={200: VenueList})
def venues_api(interview_id: int):
    """Staff see the ingest URLs; the public (announced interviews) the names, HLS and on air."""
    staff = g.get("user") is not None
    session = Session()
    get_interview(session, interview_id, staff=staff)
    return jsonify({"venues": [services.venue_json(v, current_app.config, staff)
                               for v in services.list_venues(session, interview_id)]})


@bp.post("/api/interviews/<id:interview_id>/venues")
@require_permission(PERMISSIONS["add_venues"])
@declare(body=NewVenue, resp={201: VenueOut})
def create_venue_api(interview_id: int, body: NewVenue):
    session = Session()
    venue = services.create_venue(session, get_interview(session, interview_id), body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify(services.venue_json(venue, current_app.config, staff=True)), 201


@bp.post("/api/interviews/<id:interview_id>/venues/<id:venue_id>/on-air")
@require_permission(PERMISSIONS["put_venue_on_air"])
@declare(resp={200: OnAir})
def on_air_api(interview_id: int, venue_id: int):
    """Switch OBS to the venue's scene through the OBS owner, then tell viewers. Without OBS
    configured (a text-and-HLS-only broadcast) only the viewers' choice of venue changes."""
    session = Session()
    venue = services.get_venue(session, interview_id, venue_id)
    result = {"obs": "disabled"}
    if current_app.config.get("OBS_URL"):
        result = switch_scene(session, services.scene_name(venue), g.user.id)
        session = Session()
        venue = services.get_venue(session, interview_id, venue_id)
    services.put_on_air(session, venue, current_app.config)
    session.commit()
    return jsonify({**services.venue_json(venue, current_app.config, staff=True), "result": result})

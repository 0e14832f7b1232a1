"""Study: to be filled in."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

bp = APIBlueprint("study", __name__, url_prefix="/api", abp_tags=[Tag(name="study")])

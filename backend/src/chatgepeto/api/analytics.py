"""Analytics: to be filled in."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

bp = APIBlueprint("analytics", __name__, url_prefix="/api", abp_tags=[Tag(name="analytics")])

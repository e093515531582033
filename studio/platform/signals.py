"""The signals areas talk through (blinker, as Flask ships it): the platform and each area send
what happened; other areas connect receivers in their init_app. No area imports another's
internals to be told something.
"""
from blinker import Namespace

_signals = Namespace()

# Sent by GET /healthz with the app; each receiver returns a dict merged into the answer.
health_check = _signals.signal("health-check")

"""Venue fixtures: the OBS area's real-component fixtures (OBS, nginx-rtmp, server processes)."""
from tests.obs.conftest import obs_server  # noqa: F401  (fixture)
from tests.support.nginx import nginx_rtmp  # noqa: F401  (fixture)
from tests.support.obs import obs_private  # noqa: F401  (fixture)

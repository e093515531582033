"""`flask --app server deploy nginx-conf`: print the nginx configuration for this deployment."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from studio.platform.cli import without_database
from . import nginx_conf


def register_commands(app: Flask) -> None:
    group = AppGroup("deploy", help="Deployment helpers (nginx in front, public fan-out).")

    @group.command("nginx-conf")
    @click.option("--listen", required=True, help="HOST:PORT nginx listens on, e.g. 0.0.0.0:8080")
    @click.option("--app", "apps", multiple=True, required=True,
                  help="http://HOST:PORT of an app process; repeat for several (sticky by client address)")
    @click.option("--prefix", required=True, type=click.Path(file_okay=False),
                  help="folder for nginx's pid, logs, temp files and cache (created)")
    @click.option("--hls-dir", type=click.Path(file_okay=False), help="live HLS folder (default DATA_DIR/hls)")
    @click.option("--rtmp", "rtmp_listen", help="also take OBS's RTMP at HOST:PORT and write the HLS (nginx-rtmp)")
    @click.option("--user", help="the user nginx's workers run as (when started as root)")
    @click.option("--limit-conn", type=int, default=200, show_default=True,
                  help="most connections per client address (viewers behind one NAT share one); 0: no cap")
    @click.option("--worker-connections", type=int, default=16384, show_default=True)
    @without_database  # printing a configuration reads settings only
    def nginx_conf_command(listen, apps, prefix, hls_dir, rtmp_listen, user, limit_conn, worker_connections):
        """Print a complete nginx configuration (nginx -c FILE) with nchan for the public events."""
        from studio.platform.app import VENDOR_FILES

        prefix_path = Path(prefix).resolve()
        site = nginx_conf.NginxSite(
            listen=listen, apps=list(apps), prefix=prefix_path, data_dir=Path(app.config["DATA_DIR"]),
            static_dir=Path(app.static_folder).resolve(),
            vendor_files={name: path for name, path in VENDOR_FILES.items() if path.exists()},
            area_static={bp.static_url_path: Path(bp.static_folder).resolve() for bp in app.blueprints.values()
                         if bp.has_static_folder and bp.static_url_path},
            hls_dir=Path(hls_dir).resolve() if hls_dir else None,
            redis_url=app.config.get("NCHAN_REDIS_URL") or None, rtmp_listen=rtmp_listen, user=user,
            limit_conn=limit_conn, worker_connections=worker_connections,
            upload_mb=app.config["MAX_UPLOAD_MB"], recording_upload_mb=app.config["MAX_RECORDING_UPLOAD_MB"])
        try:
            text = nginx_conf.render(site)
        except nginx_conf.ConfigError as exc:
            raise click.UsageError(str(exc))
        nginx_conf.make_dirs(prefix_path)
        click.echo(text, nl=False)

    app.cli.add_command(group)

"""The whole nginx configuration printed by `flask --app server deploy nginx-conf`.

One nginx in front of the app: proxies it (sticky when several processes run), serves the
archive, the live HLS and the static files itself, and carries the public live events through
nchan (docs/deployment.md "Public fan-out through nginx"). The app publishes each public event
to /internal/nchan/pub/<id> (NCHAN_PUBLISH_URL), reachable from the app's hosts only; viewers
subscribe at /live/<id>/events. The gap-fill and snapshot APIs are cached for one second with a
cache lock, so a reconnect storm after an nginx restart reaches the app as about one request per
second per interview and URL.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
PUBLISH_PATH = "/internal/nchan/pub"
# Room for a whole programme: ~30 min of feed, questions and state changes, with margin.
MESSAGE_BUFFER_LENGTH = 1000
MESSAGE_TIMEOUT = "3h"


class ConfigError(ValueError):
    pass


@dataclass
class NginxSite:
    listen: str                      # HOST:PORT viewers (or the load balancer) connect to
    apps: list[str]                  # http://HOST:PORT of each app process
    prefix: Path                     # temp, pid, logs and cache live here
    data_dir: Path                   # the app's DATA_DIR (archive/)
    static_dir: Path                 # the app's static/ folder
    vendor_files: dict[str, Path] = field(default_factory=dict)
    area_static: dict[str, Path] = field(default_factory=dict)  # /static/<area> -> an area's static folder
    hls_dir: Path | None = None      # live HLS written by nginx-rtmp; default DATA_DIR/hls
    redis_url: str | None = None     # NCHAN_REDIS_URL: channels in Redis, for several nginx nodes
    rtmp_listen: str | None = None   # also take OBS's RTMP and write HLS (needs libnginx-mod-rtmp)
    user: str | None = None
    limit_conn: int = 200            # per client address; 0 = no cap
    worker_connections: int = 16384
    upload_mb: int = 10              # MAX_UPLOAD_MB (photos, cue script, plan import, word list)
    recording_upload_mb: int = 8192  # MAX_RECORDING_UPLOAD_MB

    def app_servers(self) -> list[tuple[str, int]]:
        servers = []
        for url in self.apps:
            parts = urlsplit(url if "://" in url else f"http://{url}")
            if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
                raise ConfigError(f"--app must look like http://HOST:PORT, not {url!r}")
            servers.append((parts.hostname, parts.port or 80))
        if not servers:
            raise ConfigError("at least one --app is needed")
        return servers

    def publisher_allow(self) -> list[str]:
        """Addresses allowed to publish: loopback and every app host (names resolved now)."""
        allowed = ["127.0.0.1", "::1"]
        for host, _port in self.app_servers():
            try:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            except socket.gaierror as exc:
                raise ConfigError(f"cannot resolve app host {host!r}: {exc}") from exc
            for info in infos:
                address = info[4][0]
                if address not in allowed:
                    allowed.append(address)
        return allowed


def _split_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--listen must be HOST:PORT, not {value!r}")
    return host or "0.0.0.0", int(port)


def render(site: NginxSite) -> str:
    listen_host, listen_port = _split_listen(site.listen)
    servers = site.app_servers()
    prefix = site.prefix
    hls_dir = site.hls_dir or site.data_dir / "hls"
    sticky = "    # Sticky by client address: Socket.IO's polling handshake must reach one process.\n    ip_hash;\n" \
        if len(servers) > 1 else ""
    upstream_servers = "".join(f"    server {host}:{port} max_fails=0;\n" for host, port in servers)
    allow = "".join(f"        allow {address};\n" for address in site.publisher_allow())
    limit_conn = f"    limit_conn fangtan_addr {site.limit_conn};\n" if site.limit_conn > 0 else \
        "    # limit_conn off (--limit-conn 0)\n"
    if site.redis_url:
        redis_upstream = (f"    # nchan keeps channels and messages in Redis: every nginx node with this\n"
                          f"    # configuration serves the same channels (NCHAN_REDIS_URL).\n"
                          f"    upstream nchan_redis {{\n        nchan_redis_server {site.redis_url};\n    }}\n")
        redis_pass = "        nchan_redis_pass nchan_redis;\n"
    else:
        redis_upstream, redis_pass = "", ""
    modules = f"load_module {NCHAN_MODULE};\n"
    rtmp_block = ""
    if site.rtmp_listen:
        rtmp_host, rtmp_port = _split_listen(site.rtmp_listen)
        modules += f"load_module {RTMP_MODULE};\n"
        rtmp_block = f"""
rtmp {{
    server {{
        # Only OBS may publish; bind to the studio network, never the internet.
        listen {rtmp_host}:{rtmp_port};
        chunk_size 4096;
        application live {{
            live on;
            record off;
            allow publish 127.0.0.1;
            deny publish all;
            deny play all;
            hls on;
            hls_path {hls_dir};
            hls_fragment 2s;
            hls_playlist_length 20s;
            hls_cleanup on;
            hls_continuous on;
        }}
    }}
}}
"""
    vendor = "".join(
        f"        location = /vendor/{name} {{ alias {path}; add_header Cache-Control $fangtan_static_cache always; }}\n"
        for name, path in sorted(site.vendor_files.items()))
    # Longer prefixes than /static/: nginx takes the longest ^~ match, whatever the order.
    area_static = "".join(
        f"        location ^~ {prefix.rstrip('/')}/ {{ alias {folder}/; add_header Cache-Control $fangtan_static_cache always; }}\n"
        for prefix, folder in sorted(site.area_static.items()))
    user = f"user {site.user};\n" if site.user else ""
    body_limit_mb = site.upload_mb + 2  # multipart overhead above the file itself
    return f"""# Fangtan Studio behind nginx, printed by `flask --app server deploy nginx-conf`.
# Run: nginx -c THIS_FILE   (nginx -t -c THIS_FILE checks it). Needs libnginx-mod-nchan.
{modules}{user}worker_processes auto;
# Every subscriber is an open file; above the hard limit nginx logs an error and goes on.
worker_rlimit_nofile {site.worker_connections + 1024};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;

events {{
    worker_connections {site.worker_connections};
    multi_accept on;
}}
{rtmp_block}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    access_log {prefix}/logs/access.log combined buffer=64k flush=5s;

    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;

    # Text answers compressed for phones on slow links (issue 15); an answer the app already
    # compressed is passed as it is. Never text/event-stream: gzip would hold events back.
    gzip on;
    gzip_comp_level 5;
    gzip_min_length 512;
    gzip_vary on;
    gzip_proxied any;
    gzip_types text/css application/javascript text/javascript application/json text/plain text/xml
               application/xml application/rss+xml image/svg+xml text/vtt application/vnd.apple.mpegurl;
    # Static files: the pages name them with ?v=<content hash> (studio/platform/assets.py), so such a URL
    # never changes its bytes and is kept a year; an unversioned URL only minutes.
    map $arg_v $fangtan_static_cache {{
        ""      "public, max-age=300";
        default "public, max-age=31536000, immutable";
    }}

    # The public live APIs, cached for the 1 s their Cache-Control allows.
    proxy_cache_path {prefix}/cache levels=1:2 keys_zone=fangtan_live:10m max_size=256m inactive=10m use_temp_path=off;
    # A staff login (the session cookie) is never served from, nor stored in, the shared cache.
    map $cookie_fangtan_session $fangtan_staff {{
        default 1;
        ""      0;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}
    limit_conn_zone $binary_remote_addr zone=fangtan_addr:10m;
    limit_conn_status 503;

    upstream fangtan_app {{
{sticky}{upstream_servers}        keepalive 32;
    }}
{redis_upstream}
    server {{
        listen {listen_host}:{listen_port};
        server_name _;

        # Every body is small (JSON, MAX_REQUEST_KB); the upload locations below allow more.
        client_max_body_size 1m;
    {limit_conn}
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        # The app believes these with TRUSTED_PROXIES=1 (docs/configuration.md).
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header Connection "";

        nchan_message_buffer_length {MESSAGE_BUFFER_LENGTH};
        nchan_message_timeout {MESSAGE_TIMEOUT};

        # ---- public live events (nchan) ----
        # The app publishes here (NCHAN_PUBLISH_URL={PUBLISH_PATH}); nobody else may.
        location ~ ^{PUBLISH_PATH}/([0-9]+)$ {{
{allow}        deny all;
            nchan_publisher http;
            nchan_channel_id $1;
            client_max_body_size 1m;
            client_body_buffer_size 1m;
{redis_pass}        }}
        # Viewers: EventSource (or WebSocket); each message's data is one {{seq, type, at, data, prev}}.
        location ~ ^/live/([0-9]+)/events$ {{
            nchan_subscriber eventsource websocket;
            nchan_channel_id $1;
            # A new viewer starts from its snapshot; a reconnecting one resumes by Last-Event-ID.
            nchan_subscriber_first_message newest;
            nchan_eventsource_ping_interval 20;
            add_header Cache-Control "no-store" always;
{redis_pass}        }}

        # ---- the viewer's snapshot and gap fill, cached 1 s with a lock ----
        location ~ ^/api/interviews/[0-9]+/(events|snapshot)$ {{
            proxy_pass http://fangtan_app;
            proxy_cache fangtan_live;
            proxy_cache_key $uri$is_args$args;
            proxy_cache_lock on;
            proxy_cache_lock_age 5s;
            proxy_cache_lock_timeout 5s;
            proxy_cache_use_stale updating error timeout http_502 http_503 http_504;
            proxy_cache_bypass $fangtan_staff;
            proxy_no_cache $fangtan_staff;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
        location ~ ^/i/[0-9]+$ {{
            proxy_pass http://fangtan_app;
            proxy_cache fangtan_live;
            proxy_cache_key $uri;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 5s;
            proxy_cache_use_stale updating;
            proxy_cache_bypass $fangtan_staff;
            proxy_no_cache $fangtan_staff;
        }}

        # ---- files nginx serves itself ----
        location ^~ /static/ {{
            alias {site.static_dir}/;
            add_header Cache-Control $fangtan_static_cache always;
        }}
{area_static}{vendor}        location ^~ /vendor/ {{
            proxy_pass http://fangtan_app;
        }}
        location ^~ /archive/ {{
            root {site.data_dir};
            index index.html;
            add_header Cache-Control "public, max-age=60" always;
            location ~ /\\. {{ deny all; }}     # .versions/ and work folders: only through <id>/
            location ^~ /archive/assets/ {{      # the pages' CSS and script, named with ?v=
                add_header Cache-Control $fangtan_static_cache always;
            }}
            location ~ \\.(ts|m4s|mp4|jpg|png|vtt)$ {{
                add_header Cache-Control "public, max-age=300" always;
            }}
            try_files $uri $uri/ @app;       # missing: the app answers (its 404 page, the index)
        }}
        location ^~ /hls/ {{
            alias {hls_dir}/;
            types {{
                application/vnd.apple.mpegurl m3u8;
                video/mp2t ts;
            }}
            add_header Access-Control-Allow-Origin * always;
            add_header Cache-Control "no-cache" always;
        }}

        # ---- the app ----
        location ^~ /socket.io/ {{
            proxy_pass http://fangtan_app;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 120s;
            proxy_send_timeout 120s;
            proxy_buffering off;
        }}
        # Recording uploads (MAX_RECORDING_UPLOAD_MB): streamed to the app, not to nginx's disk.
        location ~ ^/api/interviews/[0-9]+/recordings$ {{
            proxy_pass http://fangtan_app;
            client_max_body_size {site.recording_upload_mb}m;
            proxy_request_buffering off;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
        }}
        # Photos and the cue script (MAX_UPLOAD_MB), the plan import and the word list.
        location ~ ^/api/(interviews/[0-9]+/(images|script)|plans/import|wordlist)$ {{
            proxy_pass http://fangtan_app;
            client_max_body_size {body_limit_mb}m;
        }}
        location @app {{
            proxy_pass http://fangtan_app;
        }}
        location / {{
            proxy_pass http://fangtan_app;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def make_dirs(prefix: Path) -> None:
    """The folders the printed configuration writes to (nginx does not create the log folder)."""
    for sub in ("logs", "tmp", "cache"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)

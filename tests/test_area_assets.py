"""Each area owns its templates and static files (issue 9): names stay unique across the areas,
an area's files get the same ?v= hash, year-long cache and compression as static/, and the
printed nginx configuration serves them from the area's folder."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMMUTABLE = "public, max-age=31536000, immutable"


def _template_folders(app) -> list[Path]:
    folders = [Path(app.root_path) / app.template_folder]
    folders += [Path(bp.root_path) / bp.template_folder for bp in app.blueprints.values() if bp.template_folder]
    return [f for f in folders if f.is_dir()]


def test_template_names_are_unique_across_the_app_and_its_areas(app):
    # Flask searches the app's folder, then each blueprint's: a repeated name would shadow one.
    seen: dict[str, Path] = {}
    clashes = []
    for folder in _template_folders(app):
        for path in folder.rglob("*.html"):
            name = path.relative_to(folder).as_posix()
            if name in seen and seen[name] != path:
                clashes.append(f"{name}: {seen[name]} and {path}")
            seen.setdefault(name, path)
    assert not clashes, clashes


def test_an_area_static_file_is_hashed_cached_and_compressed(app, client):
    with app.test_request_context():
        from flask import url_for
        url = url_for("moderation.static", filename="moderation.js")
    path, version = url.split("?v=")
    assert path == "/static/moderation/moderation.js"
    source = ROOT / "moderation/static/moderation.js"
    assert version == hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    got = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert got.status_code == 200 and got.headers["Cache-Control"] == IMMUTABLE
    assert got.headers["Content-Encoding"] == "gzip" and gzip.decompress(got.data) == source.read_bytes()
    assert client.get(path).headers["Cache-Control"] == "no-cache"
    assert client.get(path + "?v=000000000000").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/moderation/../routes.py").status_code == 404


def test_printed_nginx_serves_each_area_static_folder(tmp_path, app):
    from studio.fanout.nginx_conf import NginxSite, render

    area_static = {bp.static_url_path: Path(bp.static_folder) for bp in app.blueprints.values() if bp.has_static_folder}
    text = render(NginxSite(listen="127.0.0.1:8080", apps=["http://127.0.0.1:5001"], prefix=tmp_path / "ngx",
                            data_dir=tmp_path / "data", static_dir=tmp_path / "static", area_static=area_static))
    assert f"location ^~ /static/feed/ {{ alias {ROOT / 'studio/feed/static'}/;" in text
    assert f"location ^~ /static/moderation/ {{ alias {ROOT / 'moderation/static'}/;" in text

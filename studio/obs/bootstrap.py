"""`flask --app server obs bootstrap`: the standard scenes, overlay inputs and output settings.

Idempotent: everything is looked up first and only what is missing (or differs) is created or
set, so a second run reports no change. Positions are relative to OBS's canvas.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from studio.platform.signals import obs_scenes

from .client import ObsConnection

# The installed CJK font (Debian: fonts-wqy-zenhei). Without one, every Chinese character in a
# text_ft2_source_v2 renders as a box.
CJK_FONT = "WenQuanYi Zen Hei"
TEXT_KIND = "text_ft2_source_v2"
COLOR_KIND = "color_source_v3"

BACKGROUND = "演播室背景"
OPENING_TITLE = "开场标题"
CLOSING_TEXT = "结束语"
LOWER_THIRD_SCENE = "叠加·嘉宾姓名条"
LOWER_THIRD_PLATE = "姓名条底板"
LOWER_THIRD_NAME = "嘉宾姓名"
LOWER_THIRD_TITLE = "嘉宾职务"
QUESTION_SCENE = "叠加·网友提问"
QUESTION_PLATE = "提问底板"
QUESTION_TEXT = "网友提问文字"

STANDARD_SCENES = ("开场", "双人", "嘉宾特写", "网友提问", "结束")
OVERLAY_SCENES = (LOWER_THIRD_SCENE, QUESTION_SCENE)
# Overlay scene -> the items whose visibility is switched together with its text.
OVERLAY_ITEMS = {LOWER_THIRD_SCENE: (LOWER_THIRD_PLATE, LOWER_THIRD_NAME, LOWER_THIRD_TITLE),
                 QUESTION_SCENE: (QUESTION_PLATE, QUESTION_TEXT)}
OVERLAY_TEXT_INPUTS = (OPENING_TITLE, CLOSING_TEXT, LOWER_THIRD_NAME, LOWER_THIRD_TITLE, QUESTION_TEXT)
# Requests bootstrap needs (all in obs-websocket 5.0+; checked against availableRequests).
REQUIRED_REQUESTS = ("GetSceneList", "CreateScene", "GetInputList", "CreateInput", "GetInputSettings",
                     "SetInputSettings", "GetSceneItemList", "CreateSceneItem", "SetSceneItemTransform",
                     "GetVideoSettings", "GetProfileParameter", "SetProfileParameter")


def abgr(red: int, green: int, blue: int, alpha: int = 255) -> int:
    """OBS stores colours as 0xAABBGGRR."""
    return (alpha << 24) | (blue << 16) | (green << 8) | red


def text_settings(size: int, text: str = "", wrap_width: int | None = None) -> dict:
    settings = {"text": text, "font": {"face": CJK_FONT, "size": size, "style": "Regular", "flags": 0},
                "color1": abgr(255, 255, 255), "color2": abgr(255, 255, 255), "drop_shadow": True,
                "outline": False}
    if wrap_width:
        settings.update({"word_wrap": True, "custom_width": wrap_width})
    return settings


@dataclass
class Item:
    source: str
    kind: str | None  # None: a scene (nested)
    settings: dict = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)
    visible: bool = True


def layout(width: int, height: int) -> dict[str, list[Item]]:
    """Scene name -> items bottom to top, positioned for a width x height canvas."""
    scale = height / 720
    px = lambda v: int(round(v * scale))  # noqa: E731 - sizes are designed for 720p
    background = Item(BACKGROUND, COLOR_KIND, {"color": abgr(18, 30, 58), "width": width, "height": height})
    lower_third = Item(LOWER_THIRD_SCENE, None)
    question = Item(QUESTION_SCENE, None)
    return {
        LOWER_THIRD_SCENE: [
            Item(LOWER_THIRD_PLATE, COLOR_KIND, {"color": abgr(176, 30, 30, 230), "width": int(width * 0.62),
                                                 "height": int(height * 0.17)},
                 (width * 0.05, height * 0.74), visible=False),
            Item(LOWER_THIRD_NAME, TEXT_KIND, text_settings(px(48)), (width * 0.07, height * 0.75), visible=False),
            Item(LOWER_THIRD_TITLE, TEXT_KIND, text_settings(px(30)), (width * 0.07, height * 0.84), visible=False),
        ],
        QUESTION_SCENE: [
            Item(QUESTION_PLATE, COLOR_KIND, {"color": abgr(0, 0, 0, 200), "width": int(width * 0.9),
                                              "height": int(height * 0.34)},
                 (width * 0.05, height * 0.6), visible=False),
            Item(QUESTION_TEXT, TEXT_KIND, text_settings(px(36), wrap_width=int(width * 0.86)),
                 (width * 0.07, height * 0.62), visible=False),
        ],
        "开场": [background, Item(OPENING_TITLE, TEXT_KIND, text_settings(px(72), "在线访谈"),
                                  (width * 0.32, height * 0.4))],
        "双人": [background, lower_third],
        "嘉宾特写": [background, lower_third],
        "网友提问": [background, question],
        "结束": [background, Item(CLOSING_TEXT, TEXT_KIND, text_settings(px(60), "感谢收看"),
                                  (width * 0.36, height * 0.42))],
    }


def split_rtmp_url(url: str) -> tuple[str, str]:
    """rtmp://host:port/app/key -> ("rtmp://host:port/app", "key") for OBS's rtmp_custom service."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if parts.scheme not in ("rtmp", "rtmps") or "/" not in path:
        raise ValueError(f"RTMP_URL must look like rtmp://host:1935/live/KEY, not {url!r}")
    app, key = path.rsplit("/", 1)
    return f"{parts.scheme}://{parts.netloc}/{app}", key


def ensure_stream_service(conn: ObsConnection, rtmp_url: str) -> bool:
    """Point OBS's stream at RTMP_URL (rtmp_custom); True when something had to change."""
    server, key = split_rtmp_url(rtmp_url)
    current = conn.request("GetStreamServiceSettings")
    settings = current.get("streamServiceSettings") or {}
    if current.get("streamServiceType") == "rtmp_custom" and settings.get("server") == server \
            and settings.get("key") == key:
        return False
    conn.request("SetStreamServiceSettings", {"streamServiceType": "rtmp_custom",
                                              "streamServiceSettings": {"server": server, "key": key,
                                                                        "use_auth": False}})
    return True


def _with_keyint(x264_settings: str, keyint: int) -> str:
    options = [opt for opt in re.split(r"\s+", x264_settings.strip()) if opt and not opt.startswith("keyint=")]
    return " ".join([*options, f"keyint={keyint}"])


def ensure_output_settings(conn: ObsConnection, changes: list[str]) -> None:
    """MKV (survives a crash), the recording sharing the stream's encoder, a 2 s keyframe interval."""
    video = conn.request("GetVideoSettings")
    fps = video.get("fpsNumerator", 30) / max(video.get("fpsDenominator", 1), 1)
    keyint = max(int(round(fps * 2)), 1)

    def get(category: str, name: str) -> str:
        return conn.request("GetProfileParameter", {"parameterCategory": category, "parameterName": name}
                            ).get("parameterValue") or ""

    wanted = [("Output", "Mode", "Simple"), ("SimpleOutput", "RecFormat", "mkv"),
              ("SimpleOutput", "RecQuality", "Stream"), ("SimpleOutput", "UseAdvanced", "true")]
    x264 = get("SimpleOutput", "x264Settings")
    wanted.append(("SimpleOutput", "x264Settings", _with_keyint(x264, keyint)))
    for category, name, value in wanted:
        if get(category, name) != value:
            conn.request("SetProfileParameter", {"parameterCategory": category, "parameterName": name,
                                                 "parameterValue": value})
            changes.append(f"输出设置 {category}.{name} = {value}")


def bootstrap(conn: ObsConnection, rtmp_url: str | None = None, available: list[str] | None = None) -> dict:
    """Create what is missing; returns {"changes": [...], "scenes": [...], "restart_needed": bool}."""
    available = available if available is not None else conn.request("GetVersion").get("availableRequests", [])
    missing = [name for name in REQUIRED_REQUESTS if name not in available]
    if missing:
        raise RuntimeError(f"this OBS lacks requests needed by bootstrap: {', '.join(missing)}")
    changes: list[str] = []
    video = conn.request("GetVideoSettings")
    plan = layout(video["baseWidth"], video["baseHeight"])
    extra: dict[str, list[Item]] = {}
    # Scenes other areas add (e.g. one per venue, issue 13), asked through signals.obs_scenes.
    app = current_app._get_current_object() if has_app_context() else None
    for _receiver, scenes in obs_scenes.send(app, width=video["baseWidth"], height=video["baseHeight"]):
        for scene, items in (scenes or {}).items():
            extra[scene] = [Item(item["source"], item["kind"], item["settings"]) for item in items]
    plan.update(extra)

    scenes = {s["sceneName"] for s in conn.request("GetSceneList")["scenes"]}
    # Overlay scenes first: the standard scenes nest them.
    for scene in (*OVERLAY_SCENES, *STANDARD_SCENES, *extra):
        if scene not in scenes:
            conn.request("CreateScene", {"sceneName": scene})
            changes.append(f"场景 {scene}")

    inputs = {i["inputName"] for i in conn.request("GetInputList")["inputs"]}
    for scene in (*OVERLAY_SCENES, *STANDARD_SCENES, *extra):
        present = {item["sourceName"] for item in conn.request("GetSceneItemList", {"sceneName": scene})["sceneItems"]}
        for item in plan[scene]:
            if item.source in present:
                continue
            if item.kind is not None and item.source not in inputs:
                created = conn.request("CreateInput", {"sceneName": scene, "inputName": item.source,
                                                       "inputKind": item.kind, "inputSettings": item.settings,
                                                       "sceneItemEnabled": item.visible})
                inputs.add(item.source)
                item_id = created["sceneItemId"]
                changes.append(f"输入 {item.source}（{scene}）")
            else:
                item_id = conn.request("CreateSceneItem", {"sceneName": scene, "sourceName": item.source,
                                                           "sceneItemEnabled": item.visible})["sceneItemId"]
                changes.append(f"{scene} 中加入 {item.source}")
            if item.position != (0.0, 0.0):
                conn.request("SetSceneItemTransform", {"sceneName": scene, "sceneItemId": item_id,
                                                       "sceneItemTransform": {"positionX": item.position[0],
                                                                              "positionY": item.position[1]}})

    # Text inputs made by hand or an older bootstrap: make sure they use the CJK font.
    for name in OVERLAY_TEXT_INPUTS:
        settings = conn.request("GetInputSettings", {"inputName": name})["inputSettings"]
        font = settings.get("font") or {}
        if font.get("face") != CJK_FONT:
            conn.request("SetInputSettings", {"inputName": name, "inputSettings": {
                "font": {**font, "face": CJK_FONT, "style": font.get("style") or "Regular",
                         "size": font.get("size") or 36}}})
            changes.append(f"{name} 字体改为 {CJK_FONT}")

    output_changes: list[str] = []
    ensure_output_settings(conn, output_changes)
    changes += output_changes
    if rtmp_url and ensure_stream_service(conn, rtmp_url):
        changes.append(f"推流地址 {split_rtmp_url(rtmp_url)[0]}")
    scene_list = [s["sceneName"] for s in conn.request("GetSceneList")["scenes"]]
    # OBS builds its outputs from the profile at start: changed output settings apply after a restart.
    return {"changes": changes, "scenes": scene_list, "restart_needed": bool(output_changes)}

"""Reading a script (访谈稿) and splitting it into cue cards.

A script arrives as pasted text, a .txt file (UTF-8 or the GB18030 that Chinese Windows editors
write) or a .docx. It is split into cards at section headings (一、… / （一）… / 第X部分 / Markdown
# / a whole line in 【】, or a Word heading style) and at speaker lines (主持人： / 嘉宾： / a guest's
name or title： / 网友：, full-width or ASCII colon). Lines without a speaker continue the card
before them, so a guest's answer of several paragraphs stays one card.

Each card gets a planned duration: a marker in its own text such as （3分钟） / （90秒） /
（1分30秒）; else its share of its section's marker (一、开场（3分钟）), split by length among the
section's unmarked cards; else an estimate from its length at ~4 Chinese characters per second.
Pure functions only: no database, no Flask.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from studio.platform.errors import DomainError, ValidationError

CHARS_PER_SECOND = 4.0
MIN_CARD_SECONDS = 5
MAX_SCRIPT_CHARS = 200_000  # a real script is 8,000–20,000 characters; this is ten times that
MAX_CARDS = 1000
MAX_CARD_TEXT = 20_000
# A .docx is a zip: refuse one that would expand past this (a zip bomb) before python-docx opens it.
MAX_DOCX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_HEADING_CHARS = 40

CARD_KINDS = ("host", "guest", "netizen", "note")

_CN_NUM = "一二三四五六七八九十百零〇两"
_COLON = "[:：]"
# 一、开场  /  十二、结束语
_HEADING_NUMBERED = re.compile(rf"^[{_CN_NUM}]+\s*[、.．]\s*(?P<title>.+)$")
# （一）政策解读  /  (三) 网友互动
_HEADING_PAREN = re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[)）]\s*(?P<title>.*)$")
# 第一部分 开场  /  第2环节：网友提问
_HEADING_PART = re.compile(rf"^第\s*[{_CN_NUM}\d]+\s*(?:部分|环节|板块|篇章|节|章)\s*[:：、.\s]?\s*(?P<title>.*)$")
_HEADING_MARKDOWN = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*$")
_HEADING_BRACKET = re.compile(r"^【(?P<title>[^【】]+)】$")

# Duration markers: （3分钟） （约2分钟） （90秒） （1分30秒） (3 min)  [2分钟]
_DURATION = re.compile(
    r"[（(\[【]\s*(?:约|大约|计划|预计|时长)?\s*[:：]?\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:分钟|分|min|mins|minutes?)\s*(?:(?P<minsec>\d+)\s*(?:秒|s|sec))?"
    r"|(?P<sec>\d+)\s*(?:秒钟?|s|sec|seconds?))\s*(?:左右)?\s*[）)\]】]",
    re.IGNORECASE)

_HOST_LABELS = ("主持人", "主播", "主持")
_NETIZEN_LABELS = ("网友", "网民", "观众", "市民", "群众", "热线来电", "来电")
_GUEST_LABELS = ("嘉宾", "访谈嘉宾", "特邀嘉宾")
# A guest introduced by name and title: 王局长： / 王建国局长： / 李主任：
_TITLE_WORDS = ("局长", "副局长", "镇长", "副镇长", "县长", "副县长", "区长", "副区长", "主任", "副主任",
                "书记", "副书记", "部长", "队长", "大队长", "科长", "所长", "院长", "校长", "处长",
                "站长", "会长", "行长", "经理", "总经理", "董事长", "厂长", "秘书长", "馆长", "中心主任")
_NOT_A_NAME = ("请问", "谢谢", "感谢", "那么", "好的", "下面", "接下来", "刚才", "欢迎", "有请", "我们", "关于")
_SPEAKER_LINE = re.compile(rf"^(?P<label>[^\s:：，。！？；、]{{1,16}}?)\s*(?:[（(](?P<aside>[^）)]{{1,20}})[）)])?\s*{_COLON}\s*(?P<rest>.*)$")
_NETIZEN_QUOTED = re.compile(rf"^(?P<label>(?:{'|'.join(_NETIZEN_LABELS)})\s*[“\"「『]?[^：:”\"」』]{{0,20}}[”\"」』]?)\s*{_COLON}\s*(?P<rest>.*)$")


@dataclass
class ParsedCard:
    kind: str
    speaker: str
    section: str
    text: str
    planned_s: int = 0
    planned_source: str = "estimate"  # marker, section, estimate (manual once edited)
    title: str = ""
    marker_s: int | None = None
    budget_group: int | None = field(default=None, repr=False)
    section_budget_s: int | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "speaker": self.speaker, "section": self.section, "title": self.title,
                "text": self.text, "planned_s": self.planned_s, "planned_source": self.planned_source}


# ---- reading files --------------------------------------------------------------------------

def decode_text(raw: bytes) -> str:
    """Bytes of a .txt script to text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("无法识别文本编码：请保存为 UTF-8 或 GBK 编码的 .txt，或上传 .docx",
                          code="unreadable_script")


def read_docx(raw: bytes) -> str:
    """The text of a .docx, one paragraph a line; Word heading styles become Markdown headings."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise ValidationError("不是有效的 Word 文档（缺少 word/document.xml）", code="invalid_docx")
            if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_UNCOMPRESSED:
                raise DomainError("Word 文档解压后过大", code="script_too_large", status=413)
    except zipfile.BadZipFile:
        raise ValidationError("不是有效的 .docx 文件（旧版 .doc 请另存为 .docx）", code="invalid_docx")
    try:
        import docx  # python-docx
        document = docx.Document(io.BytesIO(raw))
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - python-docx raises many types on a damaged file
        raise ValidationError("Word 文档已损坏，无法读取", code="invalid_docx")
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if text.strip() and (style.lower().startswith(("heading", "title")) or style.startswith("标题")):
            level = re.search(r"(\d+)\s*$", style)
            text = "#" * (2 if level and int(level.group(1)) >= 2 else 1) + " " + text.strip()
        lines.append(text)
    # Some units lay the script out as a two-column table (speaker | words).
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            if len(cells) >= 2 and cells[0] and len(cells[0]) <= 16 and cells[1]:
                lines.append(f"{cells[0]}：{' '.join(cells[1:])}")
            else:
                lines.append(" ".join(c for c in cells if c))
    return "\n".join(lines)


def read_upload(filename: str, raw: bytes) -> tuple[str, str]:
    """(text, kind) of an uploaded script file, by its extension."""
    name = (filename or "").lower()
    if name.endswith(".docx"):
        return read_docx(raw), "docx"
    if name.endswith((".txt", ".md", ".text")) or "." not in name:
        return decode_text(raw), "txt"
    if name.endswith(".doc"):
        raise DomainError("不支持旧版 .doc，请在 Word 中另存为 .docx 后上传", code="unsupported_script_type",
                          status=415)
    raise DomainError("只支持 .txt 或 .docx 格式的访谈稿", code="unsupported_script_type", status=415)


# ---- cleaning -------------------------------------------------------------------------------

def clean_script_text(text: str) -> str:
    """Normalise line ends, drop control characters; refuse text that is empty, binary or too large."""
    if len(text) > MAX_SCRIPT_CHARS:
        raise DomainError(f"访谈稿过长（{len(text)} 字），上限 {MAX_SCRIPT_CHARS} 字", code="script_too_large",
                          status=413, limit=MAX_SCRIPT_CHARS)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\f")
    if controls > max(2, len(text) // 200):
        # Binary bytes that happened to decode: a .doc, an image, a zip pasted as text.
        raise ValidationError("内容不是可读的文本（可能是二进制文件），请上传 .txt 或 .docx", code="unreadable_script")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\n\t")
    text = text.replace("\t", " ").replace("\u3000", " ").replace("\ufeff", "")
    if not text.strip():
        raise ValidationError("访谈稿是空的", code="empty_script")
    return text


# ---- splitting ------------------------------------------------------------------------------

def parse_duration(text: str) -> int | None:
    """Seconds named by the first duration marker in text, or None."""
    match = _DURATION.search(text)
    if not match:
        return None
    if match.group("sec"):
        seconds = int(match.group("sec"))
    else:
        seconds = float(match.group("min")) * 60 + int(match.group("minsec") or 0)
    seconds = int(round(seconds))
    return seconds if 0 < seconds <= 4 * 3600 else None


def strip_duration(text: str) -> str:
    return _DURATION.sub("", text).strip()


def spoken_length(text: str) -> int:
    """What takes time to say: each Chinese character, digit and Latin word counts once."""
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    digits = sum(1 for ch in text if ch.isdigit())
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    return cjk + digits + latin_words


def estimate_seconds(text: str, chars_per_second: float = CHARS_PER_SECOND) -> int:
    """Reading time at ~4 characters per second, rounded to 5 s, at least 5 s."""
    seconds = spoken_length(text) / chars_per_second
    return max(MIN_CARD_SECONDS, int(round(seconds / 5.0)) * 5)


def match_heading(line: str) -> tuple[int, str] | None:
    """(level, heading line) when the line is a section heading (level 1 or 2), else None.

    Level 1: 一、… / 第X部分 / # … / 【…】; level 2: （一）… / ## …. A duration marker may follow.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_HEADING_CHARS + 12:
        return None
    body = strip_duration(stripped) or stripped
    markdown = _HEADING_MARKDOWN.match(body)
    if markdown:
        return (1 if len(body) - len(body.lstrip("#")) == 1 else 2), stripped.lstrip("#").strip()
    if _HEADING_BRACKET.match(body):
        return 1, stripped
    for level, pattern in ((1, _HEADING_NUMBERED), (2, _HEADING_PAREN), (1, _HEADING_PART)):
        if pattern.match(body):
            # "一、加强宣传。" inside an answer is a list item, not a section: headings are short
            # and do not end like a sentence.
            if len(body) > MAX_HEADING_CHARS or body.endswith(("。", "！", "？", "；", "，", "…", "：", ":")):
                return None
            return level, stripped
    return None


def heading_title(heading: str) -> str:
    """A heading as shown on a card: without its duration marker and 【】 brackets."""
    title = _tidy(strip_duration(heading)).lstrip("#").strip()
    bracket = _HEADING_BRACKET.match(title)
    return (bracket.group("title").strip() if bracket else title)[:200]


def _speaker_kind(label: str, guest_names: tuple[str, ...], host_names: tuple[str, ...] = ()) -> str | None:
    base = label.strip()
    if any(base.startswith(h) for h in _HOST_LABELS) or any(name and base.startswith(name) for name in host_names):
        return "host"
    if any(base.startswith(n) for n in _NETIZEN_LABELS):
        return "netizen"
    if any(base.startswith(g) for g in _GUEST_LABELS):
        return "guest"
    for name in guest_names:
        if name and (base.startswith(name) or (len(name) >= 2 and base.startswith(name[0]) and
                                               base.endswith(_TITLE_WORDS))):
            return "guest"
    # 王局长 / 李建华主任: a short name before a title; "请问王局长：" is the host asking, not a label.
    if base.endswith(_TITLE_WORDS) and re.fullmatch(r"[\u4e00-\u9fff]{2,8}", base) \
            and not base.startswith(_NOT_A_NAME):
        return "guest"
    return None


def match_speaker(line: str, guest_names: tuple[str, ...] = (),
                  host_names: tuple[str, ...] = ()) -> tuple[str, str, str] | None:
    """(kind, speaker label, rest of the line) when the line starts with a speaker, else None."""
    stripped = line.strip()
    quoted = _NETIZEN_QUOTED.match(stripped)
    if quoted:
        return "netizen", quoted.group("label").strip(), quoted.group("rest").strip()
    match = _SPEAKER_LINE.match(stripped)
    if not match:
        return None
    label = match.group("label")
    kind = _speaker_kind(label, guest_names, host_names)
    if kind is None:
        return None
    aside = match.group("aside")
    speaker = f"{label}（{aside}）" if aside else label
    return kind, speaker, match.group("rest").strip()


# The header's own list of who speaks: 嘉宾：王建国 县消防救援大队大队长 / 主持人：张敏 / 嘉宾：王建国、李芳
_HEADER_PERSON = re.compile(rf"^(?P<role>{'|'.join(_GUEST_LABELS + _HOST_LABELS)})\s*{_COLON}\s*(?P<rest>.+)$")
_PERSON_NAME = re.compile(r"[\u4e00-\u9fff·]{2,6}")


def header_speakers(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(guest names, host names) the script's header (the lines before its first heading) names.

    The script is often written before the interview's guest list is final (or by another hand):
    the names it declares itself are the ones its lines start with ("王建国：…").
    """
    guests: list[str] = []
    hosts: list[str] = []
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        if match_heading(line) is not None:
            break
        match = _HEADER_PERSON.match(line)
        if not match or not _looks_like_header_field(match.group("rest")):
            continue  # "主持人：各位网友，大家好！…" is a line to read, not the header's list
        # The name is the first word; a title after a space or in brackets is not part of it.
        first = re.split(r"[\s（(]", match.group("rest").strip(), maxsplit=1)[0]
        names = [n for n in re.split(r"[、，,；;/]", first) if _PERSON_NAME.fullmatch(n) and not n.startswith(_NOT_A_NAME)]
        (hosts if match.group("role") in _HOST_LABELS else guests).extend(names)
    return tuple(dict.fromkeys(guests)), tuple(dict.fromkeys(hosts))


def split_script(text: str, guest_names: tuple[str, ...] = ()) -> list[ParsedCard]:
    """Split cleaned script text into cards with planned durations (see the module docstring).

    Speakers are the interview's guests and those the script's header names (header_speakers).
    """
    declared_guests, host_names = header_speakers(text)
    guest_names = tuple(dict.fromkeys((*guest_names, *declared_guests)))
    cards: list[ParsedCard] = []
    section = subsection = ""
    # Which heading's duration marker a card's time comes out of: (heading number, seconds).
    top_budget: tuple[int, int] | None = None
    sub_budget: tuple[int, int] | None = None
    headings_seen = 0
    current: ParsedCard | None = None
    paragraphs: list[str] = []

    def close():
        nonlocal current, paragraphs
        if current is not None:
            body = "\n".join(p for p in paragraphs if p)
            marker = parse_duration(body)
            current.text = _tidy(strip_duration(body) if marker else body)
            current.marker_s = marker
            budget = sub_budget or top_budget
            current.budget_group = budget[0] if budget else None
            current.section_budget_s = budget[1] if budget else None
            if current.text:
                if len(current.text) > MAX_CARD_TEXT:
                    raise ValidationError(f"第 {len(cards) + 1} 张提示卡超过 {MAX_CARD_TEXT} 字，请分段",
                                          code="card_too_long")
                cards.append(current)
                if len(cards) > MAX_CARDS:
                    raise DomainError(f"拆分出的提示卡超过 {MAX_CARDS} 张，请检查稿件格式",
                                      code="too_many_cards", status=413)
        current, paragraphs = None, []

    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        heading = match_heading(line)
        if heading is not None:
            close()
            level, heading_line = heading
            headings_seen += 1
            seconds = parse_duration(heading_line)
            if level == 1:
                section, subsection = heading_title(heading_line), ""
                top_budget = (headings_seen, seconds) if seconds else None
                sub_budget = None
            else:
                subsection = heading_title(heading_line)
                sub_budget = (headings_seen, seconds) if seconds else None
            continue
        speaker = match_speaker(line, guest_names, host_names)
        if speaker is not None and headings_seen == 0 and (current is None or current.kind == "note") \
                and _looks_like_header_field(speaker[2]):
            speaker = None  # "主持人：张敏" / "嘉宾：王建国 大队长" in the header block is not a line to read
        if speaker is not None:
            close()
            kind, label, rest = speaker
            current = ParsedCard(kind=kind, speaker=label[:120], section=section, text="",
                                 title=subsection or section)
            paragraphs = [rest]
            continue
        if current is None:
            current = ParsedCard(kind="note", speaker="", section=section, text="", title=subsection or section)
            paragraphs = []
        paragraphs.append(line)
    close()
    if not cards:
        raise ValidationError("访谈稿中没有可用的内容", code="empty_script")
    _plan_durations(cards)
    return cards


def _looks_like_header_field(rest: str) -> bool:
    rest = rest.strip()
    return len(rest) <= 40 and not rest.endswith(("。", "！", "？", "…", "”"))


def _tidy(text: str) -> str:
    return re.sub(r"[ ]{2,}", " ", text).strip()


def _plan_durations(cards: list[ParsedCard]) -> None:
    """Give every card its planned seconds: own marker, share of the section's marker, or estimate."""
    for card in cards:
        card.planned_s = estimate_seconds(card.text)
        card.planned_source = "estimate"
        if card.marker_s:
            card.planned_s, card.planned_source = card.marker_s, "marker"
    # Sections with a budget: cards without their own marker share what is left, by length.
    groups: dict[int, list[ParsedCard]] = {}
    for card in cards:
        if card.budget_group is not None and card.section_budget_s:
            groups.setdefault(card.budget_group, []).append(card)
    for members in groups.values():
        budget = members[0].section_budget_s or 0
        unmarked = [c for c in members if not c.marker_s]
        left = budget - sum(c.marker_s or 0 for c in members)
        if not unmarked or left <= 0:
            continue
        weights = [max(spoken_length(c.text), 1) for c in unmarked]
        total = sum(weights)
        shares = [max(MIN_CARD_SECONDS, int(round(left * w / total))) for w in weights]
        # Rounding drift goes to the longest card so the section adds up to its marker exactly.
        drift = left - sum(shares)
        longest = max(range(len(shares)), key=lambda i: weights[i])
        shares[longest] = max(MIN_CARD_SECONDS, shares[longest] + drift)
        for card, share in zip(unmarked, shares):
            card.planned_s, card.planned_source = share, "section"

"""Splitting a script into cue cards: headings, speakers, planned durations, file formats, bad input."""
import pytest

from studio.cues import parsing
from studio.platform.errors import DomainError

from .conftest import make_docx

GUESTS = ("王建国", "李芳")


def split(text, guests=GUESTS):
    return parsing.split_script(parsing.clean_script_text(text), guests)


def test_realistic_script_is_split_into_sections_and_speaker_cards(script_text):
    assert len(script_text) >= 8000
    cards = split(script_text)
    kinds = [c.kind for c in cards]
    assert 45 <= len(cards) <= 80
    assert kinds.count("host") >= 20 and kinds.count("guest") >= 25 and kinds.count("netizen") >= 5
    # the header block (title, time, place, 嘉宾：…, 主持人：张敏) is one note card, not speaker lines
    assert cards[0].kind == "note" and "主持人：张敏" in cards[0].text and "县融媒体中心演播室" in cards[0].text
    assert cards[1].kind == "host" and cards[1].section == "开场" and cards[1].text.startswith("各位网友，大家好")
    sections = []
    for card in cards:
        if card.section and card.section not in sections:
            sections.append(card.section)
    assert sections == ["开场", "一、我县消防安全形势", "二、火灾隐患排查整治", "三、电动自行车消防安全",
                        "四、网友提问", "五、农村和企业消防安全", "六、消防宣传教育和志愿服务", "结束语"]
    # level-2 headings become the cards' titles, inside their level-1 section
    sub = [c for c in cards if c.title == "（二）老旧小区和“九小场所”"]
    assert sub and all(c.section == "二、火灾隐患排查整治" for c in sub)
    # a guest's answer of several paragraphs stays one card; "第一，…" lines are not headings
    answer = next(c for c in cards if c.text.startswith("好的。总的来看"))
    assert answer.kind == "guest" and answer.speaker == "王建国" and "第四，部分群众" in answer.text
    netizens = [c.speaker for c in cards if c.kind == "netizen"]
    assert "网友“江浦老街坊”" in netizens and "网友" in netizens
    assert all(c.text for c in cards)


def test_planned_durations_follow_markers_sections_and_length(script_text):
    cards = split(script_text)
    by_section = {}
    for card in cards:
        by_section.setdefault(card.section, []).append(card)
    # section markers add up exactly: 开场（3分钟） 一、（6分钟） 二、（8分钟） 三、（5分钟） 四、（6分钟） 结束语（2分钟）
    for section, minutes in (("开场", 3), ("一、我县消防安全形势", 6), ("二、火灾隐患排查整治", 8),
                             ("三、电动自行车消防安全", 5), ("四、网友提问", 6), ("结束语", 2)):
        assert sum(c.planned_s for c in by_section[section]) == minutes * 60, section
        assert {c.planned_source for c in by_section[section]} == {"section"}
    # longer cards get more of their section's time
    opening = by_section["开场"]
    assert opening[0].planned_s > opening[-1].planned_s
    # sections without a marker are estimated at ~4 characters per second, rounded to 5 s
    for card in by_section["五、农村和企业消防安全"]:
        assert card.planned_source == "estimate"
        assert card.planned_s % 5 == 0
        assert abs(card.planned_s - parsing.spoken_length(card.text) / 4) <= 2.5 + 0.01 or card.planned_s == 5


@pytest.mark.parametrize("marker, seconds", [("（3分钟）", 180), ("(2分钟)", 120), ("（约2分钟）", 120),
                                             ("（90秒）", 90), ("（1分30秒）", 90), ("【2分钟】", 120),
                                             ("（1.5分钟）", 90), ("(3 min)", 180)])
def test_duration_markers(marker, seconds):
    assert parsing.parse_duration(f"主持人：请介绍一下。{marker}") == seconds
    cards = split(f"主持人：请介绍一下今年的工作。{marker}")
    assert cards[0].planned_s == seconds and cards[0].planned_source == "marker"
    assert marker not in cards[0].text  # the marker is not read out


def test_card_marker_wins_over_section_share():
    cards = split("一、开场（2分钟）\n主持人：各位网友好。（30秒）\n王建国：大家好，很高兴来到这里。\n李芳：大家好。")
    assert [c.planned_s for c in cards][0] == 30
    assert sum(c.planned_s for c in cards) == 120
    assert [c.planned_source for c in cards] == ["marker", "section", "section"]


def test_estimate_is_four_characters_a_second_rounded():
    text = "主持人：" + "消" * 100   # 100 characters → 25 s
    assert split(text)[0].planned_s == 25
    assert split("主持人：好。")[0].planned_s == parsing.MIN_CARD_SECONDS
    assert parsing.estimate_seconds("字" * 42) == 10  # 10.5 s → 10


@pytest.mark.parametrize("heading, level", [
    ("一、开场", 1), ("十二、结束语", 1), ("（一）高层建筑", 2), ("(三) 网友互动", 2), ("第一部分 开场", 1),
    ("第2环节：网友提问", 1), ("# 开场", 1), ("## 小结", 2), ("【结束语】", 1), ("【开场】（3分钟）", 1),
])
def test_heading_styles(heading, level):
    found = parsing.match_heading(heading)
    assert found is not None and found[0] == level
    cards = split(f"{heading}\n主持人：你好。")
    assert cards[0].title == parsing.heading_title(heading) and "（3分钟）" not in cards[0].title


@pytest.mark.parametrize("line", ["一、加强宣传教育，提高全民消防意识。", "（一）是加强巡查；",
                                  "一、" + "很长的一段话" * 10])
def test_list_items_in_answers_are_not_headings(line):
    assert parsing.match_heading(line) is None


@pytest.mark.parametrize("line, kind, speaker", [
    ("主持人：各位好", "host", "主持人"), ("主持人:各位好", "host", "主持人"), ("主持人（张敏）：各位好", "host", "主持人（张敏）"),
    ("嘉宾：谢谢", "guest", "嘉宾"), ("王建国：谢谢", "guest", "王建国"), ("李芳: 谢谢", "guest", "李芳"),
    ("王局长：谢谢", "guest", "王局长"), ("王建国大队长：谢谢", "guest", "王建国大队长"),
    ("网友：请问", "netizen", "网友"), ("网友“小区业主”：请问", "netizen", "网友“小区业主”"),
    ("网友提问：请问", "netizen", "网友提问"),
])
def test_speaker_lines(line, kind, speaker):
    assert parsing.match_speaker(line, GUESTS)[:2] == (kind, speaker)


@pytest.mark.parametrize("line", ["时间：2024年4月15日", "请问王局长：这个问题怎么办", "我们的目标是：零伤亡",
                                  "http://example.gov.cn/a", "注意：以下为网友问题"])
def test_ordinary_lines_with_a_colon_are_not_speakers(line):
    assert parsing.match_speaker(line, GUESTS) is None


def test_lines_without_speaker_continue_the_card_and_text_before_first_speaker_is_a_note():
    cards = split("访谈说明：本稿供主持人使用。\n\n主持人：第一段。\n第二段。\n\n嘉宾：回答。")
    assert [c.kind for c in cards] == ["note", "host", "guest"]
    assert cards[1].text == "第一段。\n第二段。"


def test_docx_with_heading_styles_splits_like_the_text(script_text):
    from_docx = parsing.read_docx(make_docx(script_text))
    text_cards = split(script_text)
    docx_cards = split(from_docx)
    assert [(c.kind, c.speaker, c.section, c.text) for c in docx_cards] == \
        [(c.kind, c.speaker, c.section, c.text) for c in text_cards]


def test_docx_heading_style_without_numbering_is_a_section():
    import io

    import docx
    document = docx.Document()
    document.add_heading("开场白", level=1)
    document.add_paragraph("主持人：各位网友大家好。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "王建国"
    table.rows[0].cells[1].text = "谢谢主持人。"
    out = io.BytesIO()
    document.save(out)
    cards = split(parsing.read_docx(out.getvalue()))
    assert [(c.section, c.kind, c.text) for c in cards] == [("开场白", "host", "各位网友大家好。"),
                                                            ("开场白", "guest", "谢谢主持人。")]


def test_gbk_text_file_is_decoded(script_text):
    text, kind = parsing.read_upload("访谈稿.txt", script_text.encode("gbk"))
    assert kind == "txt" and text == script_text
    text, _ = parsing.read_upload("访谈稿.txt", "\ufeff主持人：你好".encode("utf-8"))
    assert text.lstrip("\ufeff") == "主持人：你好"


@pytest.mark.parametrize("text, code", [
    ("", "empty_script"), ("   \n\n \u3000 ", "empty_script"),
    ("\x00\x01\x02\x03PK\x03\x04" * 50, "unreadable_script"),
    ("主" * (parsing.MAX_SCRIPT_CHARS + 1), "script_too_large"),
])
def test_bad_text_is_refused_with_a_clear_code(text, code):
    with pytest.raises(DomainError) as info:
        split(text)
    assert info.value.code == code and 400 <= info.value.status < 500 and info.value.message


@pytest.mark.parametrize("name, raw, code", [
    ("稿.docx", b"not a zip at all", "invalid_docx"),
    ("稿.docx", b"PK\x05\x06" + b"\x00" * 18, "invalid_docx"),
    ("稿.doc", b"\xd0\xcf\x11\xe0", "unsupported_script_type"),
    ("稿.pdf", b"%PDF-1.4", "unsupported_script_type"),
    ("稿.txt", bytes(range(256)) * 4, "unreadable_script"),
])
def test_bad_files_are_refused(name, raw, code):
    with pytest.raises(DomainError) as info:
        text, _ = parsing.read_upload(name, raw)
        parsing.clean_script_text(text)
    assert info.value.code == code and 400 <= info.value.status < 500


def test_too_many_cards_is_refused():
    text = "\n".join(f"主持人：第{i}句。" for i in range(parsing.MAX_CARDS + 5))
    with pytest.raises(DomainError) as info:
        split(text)
    assert info.value.code == "too_many_cards" and info.value.status == 413


def test_the_script_header_names_its_own_speakers(script_text):
    # The interview's guest list differs from the script's (a guest replaced, names not yet entered):
    # the script's own header (嘉宾：王建国 …, 嘉宾：李芳 …, 主持人：张敏) still says who speaks.
    assert parsing.header_speakers(parsing.clean_script_text(script_text)) == (("王建国", "李芳"), ("张敏",))
    cards = split(script_text, guests=("赵六",))
    answer = next(c for c in cards if c.text.startswith("主持人好，各位网友大家好！很高兴"))
    assert answer.kind == "guest" and answer.speaker == "王建国"
    assert next(c for c in cards if c.text.startswith("主持人好，各位网友大家好！江浦街道")).speaker == "李芳"
    assert not any("王建国：" in c.text or "李芳：" in c.text for c in cards if c.kind == "host")
    assert [c.kind for c in cards] == [c.kind for c in split(script_text)]


def test_a_host_named_in_the_header_is_a_host():
    cards = split("主持人：小方\n嘉宾：王（非遗）传承人\n\n一、开场\n小方：各位网友大家好！\n嘉宾：谢谢主持人。\n小方：请您谈谈。", guests=())
    assert [(c.kind, c.speaker) for c in cards[1:]] == [("host", "小方"), ("guest", "嘉宾"), ("host", "小方")]


@pytest.mark.parametrize("header", ["主持人：各位网友，大家好！欢迎收看。", "嘉宾：谢谢主持人，很高兴来到这里。"])
def test_a_spoken_first_line_names_nobody(header):
    assert parsing.header_speakers(header + "\n一、开场\n") == ((), ())

"""Normalisation, sensitive-word matching and n-gram similarity (pure functions)."""
import pytest

from moderation.similarity import dice, ngrams, similar_candidates
from moderation.text import clean_text, match_key
from moderation.wordlist import find_sensitive_words, parse_wordlist


def test_clean_text_controls_and_whitespace_but_no_folding():
    assert clean_text("  请问\t\n消防站\u200b\u0007 什么时候   建成  ") == "请问 消防站 什么时候 建成"
    # Issue 8.1: the display form keeps full-width forms as typed (no NFKC); only the key folds.
    assert clean_text("ＡＢＣ１２３？，！：；（）") == "ＡＢＣ１２３？，！：；（）"
    assert match_key("ＡＢＣ１２３？，！：；（）") == match_key("abc123") == "abc123"
    assert clean_text("\u202e反转\u202c") == "反转"          # bidi controls are dropped
    assert clean_text("e\u0301") == "é"                        # NFC composes, nothing visible changes


def test_sensitive_word_span_points_into_the_unfolded_text():
    text = clean_text("请问（ｄｕ）賭．博？")
    flag = find_sensitive_words(text, ["赌博"])[0]
    assert flag["matched"] == "賭．博" and text[flag["start"]:flag["end"]] == "賭．博"
    flag = find_sensitive_words("㈱ＶＩＡＧＲＡ！", ["viagra"])[0]
    assert flag["matched"] == "ＶＩＡＧＲＡ"


@pytest.mark.parametrize("written", [
    "赌博", "赌 博", "赌.博", "赌，博", "赌-博", "賭博", "賭 . 博", "赌\u200b博", "ｄｕ赌博",
])
def test_sensitive_word_found_in_every_disguise(written):
    text = clean_text(f"我想问一下{written}的问题")
    flags = find_sensitive_words(text, ["赌博"])
    assert [f["word"] for f in flags] == ["赌博"]
    flag = flags[0]
    assert flag["type"] == "sensitive_word"
    # The span points at the characters as written, for highlighting.
    assert text[flag["start"]:flag["end"]] == flag["matched"]
    assert flag["matched"].startswith(("赌", "賭")) and flag["matched"].endswith("博")


def test_traditional_word_in_the_list_matches_simplified_text():
    assert find_sensitive_words("关于台独言论", ["臺獨"])[0]["matched"] == "台独"


def test_no_false_match_and_latin_case():
    assert find_sensitive_words("消防安全宣传", ["赌博"]) == []
    assert find_sensitive_words("buy Cheap V I A G R A now", ["viagra"])[0]["matched"] == "V I A G R A"


def test_parse_wordlist_skips_comments_blanks_and_folds_duplicates():
    assert parse_wordlist("# 注释\n赌博\n\n 賭博 \n法轮功\n") == ["赌博", "法轮功"]


def test_similarity_finds_near_duplicates_in_chinese():
    a = match_key("请问县城的消防站什么时候建成投入使用？")
    b = match_key("县城消防站什么时候能建成投入使用")
    c = match_key("医保报销的比例是多少")
    assert dice(ngrams(a), ngrams(b)) > 0.6
    assert dice(ngrams(a), ngrams(c)) < 0.2
    found = similar_candidates(a, [(1, b), (2, c)])
    assert [f["question_id"] for f in found] == [1]


def test_simplified_text_skips_the_phrase_search_and_converts_as_opencc_does(monkeypatch):
    """A text with no character of any t2s dictionary key is returned as it is, without the
    pure-Python conversion (nearly every question); every other text is converted by OpenCC."""
    import random

    from opencc import OpenCC

    from moderation import text as text_module

    reference = OpenCC("t2s")
    rng = random.Random(5)
    traditional = sorted(text_module._T2S_CHARS)
    samples = ["请问社区卫生服务中心周末几点开门？", "老旧小区改造什么时候开始", "abc 123",
               "反覆思量", "沈默是金", "一目瞭然", "沈船打捞", "臺灣的問題"]  # phrase rules, characters
    samples += ["".join(rng.choice(traditional + list("请问社区医院开门，。")) for _ in range(rng.randint(1, 12)))
                for _ in range(500)]
    for sample in samples:
        assert text_module.to_simplified(sample) == reference.convert(sample), sample
    calls = []
    monkeypatch.setattr(text_module._T2S, "convert", lambda value: calls.append(value) or value)
    assert text_module.to_simplified("请问社区卫生服务中心周末几点开门？") == "请问社区卫生服务中心周末几点开门？"
    assert text_module.to_simplified("臺灣") == "臺灣" and calls == ["臺灣"]  # the table's own work

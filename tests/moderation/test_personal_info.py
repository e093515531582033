"""A netizen's own number in a question (a mobile, a landline, an ID card) is flagged at intake and
held for the moderator like a sensitive word: never pushed while pending, never bulk-approved."""
import pytest

from moderation.personal import find_personal_info


@pytest.mark.parametrize("text, kinds", [
    ("我的电话 138 1234 5678，请回电", ["phone"]),
    ("手机：13812345678", ["phone"]),
    ("电话：１３８－１２３４－５６７８", ["phone"]),           # full-width digits and dashes
    ("打 025-86612345 找谁？", ["landline"]),
    ("座机 0512 6688 1234", ["landline"]),
    ("身份证 320102199001011234 怎么补办", ["id_card"]),
    ("身份证号 32010219900101123x", ["id_card"]),
    ("留个 13812345678，身份证 32010219900101123X", ["phone", "id_card"]),
    ("2023年全县接报火灾213起，今年情况如何？", []),
    ("订单号 20230101123456789012 查不到", []),              # longer than any of them
    ("12345 热线打不通", []),
])
def test_the_rule(text, kinds):
    assert [f["kind"] for f in find_personal_info(text)] == kinds
    assert all(f["type"] == "personal_info" for f in find_personal_info(text))


def test_a_question_with_a_phone_number_is_flagged_and_held(live_interview, ask, login):
    iid = live_interview["id"]
    phone = ask(iid, "非遗如何走进景区！我的电话 138 1234 5678，请回电").get_json()["id"]
    clean = ask(iid, "周末有没有免费的非遗体验活动？").get_json()["id"]
    mod = login("moderator")
    listed = {q["id"]: q for q in mod.get(f"/api/interviews/{iid}/questions?status=pending").get_json()["questions"]}
    assert listed[phone]["flags"] == [{"type": "personal_info", "kind": "phone"}]
    assert listed[clean]["flags"] == []
    assert [q["id"] for q in mod.get(f"/api/interviews/{iid}/questions?flag=personal_info").get_json()["questions"]] \
        == [phone]
    result = mod.post(f"/api/interviews/{iid}/questions/bulk",
                      json={"ids": [phone, clean], "action": "approve"}).get_json()
    assert result["done"] == [clean]
    assert result["skipped"] == [{"id": phone, "code": "personal_info", "message": "含个人信息，请单独审核"}]
    assert mod.post(f"/api/questions/{phone}/push").get_json()["error"]["code"] == "needs_approval"
    # 修改 takes the number out: the flag goes with it
    edited = mod.patch(f"/api/questions/{phone}", json={"text": "非遗如何走进景区！请回电"}).get_json()
    assert edited["flags"] == [], edited
    assert mod.post(f"/api/questions/{phone}/push").status_code == 200

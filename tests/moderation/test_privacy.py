"""A netizen's contact never appears in any public response, page or event (nor in any event at all)."""
import json

PHONE = "13987654321"
EMAIL = "secret.asker@example.org"


def test_contact_never_public(app, live_interview, netizen, login, socket_client, client):
    from moderation.replies import list_answered_for_archive
    from studio.platform.db import Session

    iid = live_interview["id"]
    mod, host = login("moderator"), login("host")
    mod.put(f"/api/interviews/{iid}/question-settings", json={"post_answered_to_feed": True})
    seen_public: list[str] = []

    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": iid}, namespace="/live", callback=True)
    seen_public.append(json.dumps(ack, ensure_ascii=False))

    asker = netizen("127.0.0.55")
    url = f"/api/interviews/{iid}/questions"
    first = asker.post(url, json={"nickname": "隐私测试", "text": "请问社区医院的门诊时间", "contact": PHONE})
    second = asker.post(url, json={"nickname": "隐私测试", "text": "社区医院门诊时间是几点到几点", "contact": EMAIL})
    third = asker.post(url, json={"nickname": "隐私测试", "text": "请问图书馆周末开放吗", "contact": PHONE})
    for resp in (first, second, third):
        seen_public.append(resp.get_data(as_text=True))
    a, b, c = (r.get_json()["id"] for r in (first, second, third))

    # The whole life of the questions: screening, merge, queue, on air, answered, written reply.
    assert mod.get(f"/api/questions/{a}").get_json()["contact"] == PHONE  # staff do see it
    mod.post(f"/api/questions/{a}/approve")
    mod.patch(f"/api/questions/{a}", json={"text": "请问社区医院门诊时间"})
    mod.post(f"/api/questions/{b}/merge", json={"into": a})
    mod.post(f"/api/questions/{a}/push")
    host.post(f"/api/questions/{a}/on-air")
    host.post(f"/api/questions/{a}/answered")
    mod.post(f"/api/questions/{c}/approve")
    login("admin").post(f"/api/interviews/{iid}/state", json={"state": "ended"})
    mod.put(f"/api/questions/{c}/reply", json={"text": "周末正常开放。"})

    for receipt in (first, second, third):
        seen_public.append(client.get(f"/api/questions/receipt/{receipt.get_json()['receipt']}").get_data(as_text=True))
    for path in (f"/i/{iid}", f"/api/interviews/{iid}", "/api/interviews", f"/api/interviews/{iid}/events?after=0",
                 f"/api/interviews/{iid}/snapshot", f"/api/interviews/{iid}/questions/public",
                 f"/api/interviews/{iid}/feed"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        seen_public.append(resp.get_data(as_text=True))
    seen_public.append(json.dumps(viewer.get_received("/live"), ensure_ascii=False))
    late = socket_client("/live")
    seen_public.append(json.dumps(late.emit("join", {"interview_id": iid}, namespace="/live", callback=True),
                                  ensure_ascii=False))
    with app.app_context():
        seen_public.append(json.dumps(list_answered_for_archive(Session(), iid), ensure_ascii=False))

    public_text = "\n".join(seen_public)
    assert "请问社区医院门诊时间" in public_text and "周末正常开放" in public_text  # the scan saw real content
    assert PHONE not in public_text and EMAIL not in public_text

    # Not even the staff event log (replayed to every staff role) keeps it.
    staff_events = mod.get(f"/api/interviews/{iid}/events?after=0").get_data(as_text=True)
    assert "请问图书馆周末开放吗" in staff_events
    assert PHONE not in staff_events and EMAIL not in staff_events
    staff_socket = socket_client("/studio", role="director")
    staff_join = json.dumps(staff_socket.emit("join", {"interview_id": iid}, namespace="/studio", callback=True),
                            ensure_ascii=False)
    assert "请问图书馆周末开放吗" in staff_join and PHONE not in staff_join and EMAIL not in staff_join
    # The host reads the lists but has no use for a contact either.
    host_list = host.get(f"/api/interviews/{iid}/questions").get_data(as_text=True)
    assert PHONE not in host_list and EMAIL not in host_list

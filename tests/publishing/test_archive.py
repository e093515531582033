"""The archive folder's swap: one symlink replace, the previous version kept one round."""
from __future__ import annotations

from publishing import archive


def _work(data_dir, iid, job, text):
    work = archive.work_dir_for(str(data_dir), iid, job, 1)
    work.mkdir(parents=True)
    (work / "index.html").write_text(text)
    return work


def test_versions_swap_and_prune(tmp_path):
    link = tmp_path / "archive" / "7"
    for job in (1, 2, 3):
        archive.install_version(str(tmp_path), 7, job, _work(tmp_path, 7, job, f"v{job}"))
        assert (link / "index.html").read_text() == f"v{job}" and link.is_symlink()
    versions = sorted(p.name for p in (tmp_path / "archive" / ".versions").iterdir())
    assert versions == ["7-j2", "7-j3"]  # the one before stays for players mid-way through it
    # A retried job installing under the same name again replaces it cleanly.
    archive.install_version(str(tmp_path), 7, 3, _work(tmp_path, 7, 3, "v3 again"))
    assert (link / "index.html").read_text() == "v3 again"
    assert not list((tmp_path / "archive").glob(".tmp-*")) and not list((tmp_path / "archive").glob(".link-*"))
    assert archive.remove_interview(str(tmp_path), 7)
    assert not link.exists() and not list((tmp_path / "archive" / ".versions").iterdir())


def test_safe_names():
    assert archive.safe_name("hls/seg_00001.ts") and archive.safe_name("video.mp4")
    for bad in ("../secret_key", ".hidden", "hls/../../x.mp4", "/etc/passwd", "a//b.txt"):
        assert not archive.safe_name(bad), bad

// Approve or return the newest script version.
(function () {
  const script = document.getElementById("review-script");
  const interviewId = script.dataset.interview;
  const csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  const result = document.getElementById("review-result");
  document.querySelectorAll(".review-btn").forEach((btn) => btn.addEventListener("click", async () => {
    const row = btn.closest("tr");
    const comment = row.querySelector(".review-comment").value;
    const resp = await fetch(`/api/interviews/${interviewId}/script-versions/${row.dataset.version}/review`, {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ decision: btn.dataset.decision, comment }),
    });
    const data = await resp.json();
    if (!resp.ok) { result.textContent = data.error.message; return; }
    result.textContent = data.review.decision === "approve" ? `已通过，生成 ${data.cards} 张提示卡` : "已退回";
    setTimeout(() => location.reload(), 800);
  }));
})();

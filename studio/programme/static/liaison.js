// The liaison's upload page: no account; the token in the form's URL is the permission.
(function () {
  const form = document.getElementById("liaison-form");
  if (!form) return;
  const result = document.getElementById("liaison-result");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("liaison-file").files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file);
    result.textContent = "正在上传…";
    try {
      const resp = await fetch(form.dataset.url, { method: "POST", body });
      const data = await resp.json();
      if (!resp.ok) throw new Error(data.error ? data.error.message : "上传失败");
      result.textContent = `已提交第 ${data.version} 版，共 ${data.chars} 个汉字` +
        (data.meets_minimum ? "。" : `，不足 ${data.minimum} 字，请补充。`);
      setTimeout(() => location.reload(), 1200);
    } catch (err) {
      result.textContent = err.message;
    }
  });
})();

// /api/docs: Swagger UI over /api/openapi.json (the document generated from the route declarations).
(function () {
  "use strict";
  var root = document.getElementById("api-docs");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // Same-origin requests carry the session cookie; writes also need X-CSRF-Token (Authorize).
    withCredentials: true,
  });
})();

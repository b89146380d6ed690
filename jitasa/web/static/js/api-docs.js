// Swagger UI for /docs, from the package's files: no CDN, no inline script.
const holder = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: holder.dataset.url, dom_id: "#swagger-ui" });

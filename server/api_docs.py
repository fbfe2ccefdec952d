"""The API documentation at /schema (and /schema/swagger): Swagger UI, whose files
come from this server, not a CDN, so the page renders on a closed network. The
app's build copies them from the npm package swagger-ui-dist into pwa/dist/api-docs
(pwa/vite.config.ts, `apiDocsAssets`); the app's static files serve them."""

from __future__ import annotations

from litestar.openapi.plugins import SwaggerRenderPlugin

ASSETS = "/api-docs"
JS = f"{ASSETS}/swagger-ui-bundle.js"
PRESET_JS = f"{ASSETS}/swagger-ui-standalone-preset.js"
CSS = f"{ASSETS}/swagger-ui.css"
FAVICON = f"{ASSETS}/favicon-32x32.png"


def docs_render_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        path=["/", "/swagger"],
        js_url=JS,
        css_url=CSS,
        standalone_preset_js_url=PRESET_JS,
        favicon=f"<link rel='icon' type='image/png' href='{FAVICON}'>",
    )

"""Static files in production: whitenoise's compressed, hashed files, with the hashed names
written into JavaScript modules' `import` lines too (Django's documented
`support_js_module_import_aggregation`), so that a module and the modules it imports are
cached, and replaced, together."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

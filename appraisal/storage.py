"""Static files storage: hashed, compressed names once collected, plain names before that."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Production serves hashed names from the manifest `collectstatic` writes. Without a
    manifest (a test run, a server started before `collectstatic`) a page still renders with
    the plain names, which WhiteNoise serves from the app's static folders, instead of failing
    with a server error."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            return name

"""The `ggzy` console script: this project's Django management command (ggzy migrate, ggzy demo, ...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings: a missing production setting stops here)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"ggzy: {exc}\n")
        sys.exit(2)

    execute_from_command_line(["ggzy", *sys.argv[1:]])


if __name__ == "__main__":
    main()

"""The `ggzy` console script: this project's Django management command (ggzy migrate, ggzy demo, ...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ggzy", *sys.argv[1:]])


if __name__ == "__main__":
    main()
